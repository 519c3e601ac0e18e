# The command line and the process model, driven directly (no Test::Nginx):
# -v -V -h -t -T -q -g -p -c -e -s, daemon start, master + workers,
# reload (good and broken config), worker respawn, reopen, quit, stop,
# SIGTERM, and "master_process off" start-up ordering.
#
#   prove t/011-cli.t                                  (build/moxy)
#   TEST_NGINX_BINARY=/usr/sbin/nginx prove t/011-cli.t (the reference)
#
# Every server is started under a private prefix in a temporary directory
# on 127.0.0.1:$TEST_NGINX_PORT (default 19870) and that port + 1, and is
# killed in END whatever happens.  Every wait is bounded.

use strict;
use warnings;

use Config;
use Cwd qw(abs_path getcwd);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

my $Bin = $ENV{TEST_NGINX_BINARY} || 'build/moxy';
$Bin = abs_path($Bin) if $Bin =~ m{/} && -e $Bin;

plan skip_all => "no executable $Bin" unless -x $Bin;

my $Port  = $ENV{TEST_NGINX_PORT} || 19870;
my $Port2 = $Port + 1;

my $Dir = tempdir('moxy-cli-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$Dir/$_" for qw(conf logs tmp);
my $Conf = "$Dir/conf/nginx.conf";
my $PidFile = "$Dir/logs/nginx.pid";
my $ErrLog = "$Dir/logs/error.log";

my $User = $> == 0 ? "user root;\n" : '';

my %Started;   # pid => 1: every master/daemon we started (killed in END)

become_subreaper();

#----------------------------------------------------------------------
# helpers
#----------------------------------------------------------------------

# PR_SET_CHILD_SUBREAPER, so that exited daemons are re-parented to us
# and reaped here (a zombie still answers kill 0)
sub become_subreaper {
    return unless $^O eq 'linux';
    my $arch = $Config{archname} || '';
    my $nr = $arch =~ /^(?:x86_64|amd64)/                ? 157
           : $arch =~ /^(?:aarch64|arm64|riscv64)/      ? 167
           : $arch =~ /^i[3-6]86/                       ? 172
           : undef;
    return unless defined $nr;
    local $!;
    eval { syscall($nr, 36, 1, 0, 0, 0) };
}

sub reap { local ($!, $?); 1 while waitpid(-1, WNOHANG) > 0 }

sub slurp {
    my $f = shift;
    open my $in, '<', $f or return undef;
    local $/;
    my $s = <$in>;
    close $in;
    return $s;
}

sub spurt {
    my ($f, $s) = @_;
    open my $out, '>', $f or die "$f: $!";
    print $out $s;
    close $out;
}

# runs the binary with @args (no shell), stdout and stderr to files;
# bounded by 20 s. Returns (exit code, stdout, stderr).
my $RunN = 0;
sub run {
    my (@args) = @_;
    my %o = ref $args[0] eq 'HASH' ? %{ shift @args } : ();
    $RunN++;
    my ($of, $ef) = ("$Dir/tmp/out.$RunN", "$Dir/tmp/err.$RunN");
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $of or POSIX::_exit(126);
        open STDERR, '>', $ef or POSIX::_exit(126);
        chdir $o{cwd} if defined $o{cwd};
        no warnings 'exec';
        exec { $Bin } $Bin, @args;
        POSIX::_exit(127);
    }
    my $deadline = time + 20;
    my $rc;
    while (1) {
        my $r = waitpid($pid, WNOHANG);
        if ($r == $pid) { $rc = $?; last }
        if (time > $deadline) {
            kill 'KILL', $pid;
            waitpid($pid, 0);
            $rc = -1;
            last;
        }
        sleep 0.01;
    }
    my $code = $rc == -1 ? -1 : ($rc & 127) ? 128 + ($rc & 127) : $rc >> 8;
    my ($out, $err) = (slurp($of), slurp($ef));
    return ($code, defined $out ? $out : '', defined $err ? $err : '');
}

sub wait_until {
    my ($timeout, $cond) = @_;
    my $deadline = time + $timeout;
    while (1) {
        my $v = $cond->();
        return $v if $v;
        return undef if time > $deadline;
        sleep 0.05;
    }
}

sub proc_stat {
    my $pid = shift;
    my $s = slurp("/proc/$pid/stat");
    return undef unless defined $s;
    $s =~ s/^.*\)\s+//s;    # the command name may contain spaces
    return [split ' ', $s]; # [0] state, [1] ppid
}

sub alive {
    my $pid = shift;
    return 0 unless $pid;
    reap();
    my $st = proc_stat($pid);
    return 0 unless $st;
    return $st->[0] ne 'Z' && $st->[0] ne 'X';
}

sub children {
    my $ppid = shift;
    my @kids;
    opendir my $d, '/proc' or return ();
    for my $p (grep { /^\d+$/ } readdir $d) {
        my $st = proc_stat($p) or next;
        push @kids, $p + 0 if $st->[1] == $ppid && $st->[0] ne 'Z';
    }
    closedir $d;
    return sort { $a <=> $b } @kids;
}

sub cmdline {
    my $s = slurp("/proc/$_[0]/cmdline");
    return '' unless defined $s;
    $s =~ s/\0+$//;
    $s =~ s/\0/ /g;
    return $s;
}

sub read_pid {
    my $f = shift || $PidFile;
    my $s = slurp($f);
    return undef unless defined $s && $s =~ /^(\d+)\n?$/;
    return $1;
}

# GET $path on 127.0.0.1:$port: (status, body) or () when no connection
sub http_get {
    my ($port, $path) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                     Proto => 'tcp', Timeout => 2)
        or return ();
    $sock->autoflush(1);
    print $sock "GET $path HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    my $resp = '';
    my $deadline = time + 3;
    my $rin = '';
    vec($rin, fileno($sock), 1) = 1;
    while (time < $deadline) {
        my $n = select(my $rout = $rin, undef, undef, 0.2);
        next unless $n;
        my $got = sysread($sock, my $buf, 65536);
        last unless $got;
        $resp .= $buf;
    }
    close $sock;
    return () unless $resp =~ m{^HTTP/1\.\d (\d{3})[^\r\n]*\r\n(.*?)\r\n\r\n(.*)\z}s;
    my ($status, $hdrs, $body) = ($1, $2, $3);
    if ($hdrs =~ /^transfer-encoding:\s*chunked/mi) {
        my $plain = '';
        while ($body =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
            my $len = hex $1;
            last if $len == 0;
            $plain .= substr($body, 0, $len, '');
            $body =~ s/^\r\n//;
        }
        $body = $plain;
    }
    return ($status, $body);
}

sub body_of { my @r = http_get(@_); return @r ? $r[1] : undef }

sub port_free {
    my $port = shift;
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
                                  Proto => 'tcp', ReuseAddr => 1, Listen => 1);
    return 0 unless $s;
    close $s;
    return 1;
}

# a complete config; relative paths on purpose (resolved against -p)
sub config {
    my (%o) = @_;
    my $main  = defined $o{main} ? $o{main} : '';
    my $port  = $o{port} || $Port;
    my $extra = defined $o{extra} ? $o{extra} : '';
    my $wp    = exists $o{workers} ? (defined $o{workers} ? "worker_processes $o{workers};\n" : '')
                                   : "worker_processes 1;\n";
    my $daemon = defined $o{daemon} ? $o{daemon} : 'on';
    my $master = defined $o{master} ? $o{master} : 'off';
    return <<"_EOC_";
${wp}daemon $daemon;
master_process $master;
error_log logs/error.log info;
pid logs/nginx.pid;
$User$main
events {
    worker_connections 64;
}

http {
    access_log logs/access.log;
    client_body_temp_path tmp/client_body;
    proxy_temp_path tmp/proxy;

    server {
        listen 127.0.0.1:$port;

        location / {
            return 200 "v1\\n";
        }
$extra
    }
}
_EOC_
}

# kills a server we started and its children, waits (bounded)
sub kill_server {
    my ($pid) = @_;
    return unless $pid;
    my @kids = children($pid);
    kill 'KILL', $pid, @kids;
    wait_until(3, sub { !alive($pid) && !grep { alive($_) } @kids });
    delete $Started{$pid};
}

sub start {
    my (@args) = @_;
    my @r = run(@args);
    my $pid = read_pid();
    $Started{$pid} = 1 if $pid;
    return (@r, $pid);
}

END {
    for my $pid (keys %Started) {
        next unless alive($pid);
        my @kids = children($pid);
        kill 'KILL', $pid, @kids;
    }
    reap();
}

my $IsMoxy;
{
    my (undef, $out, $err) = run('-V');
    $IsMoxy = ($out . $err) =~ /\bopenresty\/|\bmoxy\b/ ? 1 : 0;
    $IsMoxy = 1 if $Bin =~ /moxy/;
}

#----------------------------------------------------------------------
# -v -V -h
#----------------------------------------------------------------------

{
    my ($rc, $out, $err) = run('-v');
    my $all = $out . $err;
    is($rc, 0, '-v: exit 0');
    like($all, qr{\Anginx version: \S+/\d+\.\d+\.\d+}, '-v: "nginx version: NAME/X.Y.Z" first');
    if ($IsMoxy) {
        like($all, qr{\Anginx version: openresty/\d+\.\d+\.\d+(?:\.\d+)?}, '-v: moxy reports openresty/X.Y.Z');
    }
    unlike($all, qr/configure arguments/, '-v: no configure arguments');
    is($out, '', '-v: writes to stderr (like nginx), nothing on stdout');
}

{
    my ($rc, $out, $err) = run('-V');
    my $all = $out . $err;
    is($rc, 0, '-V: exit 0');
    like($all, qr{\Anginx version: \S+/\d+\.\d+\.\d+}, '-V: "nginx version:" line first');
    if ($IsMoxy) {
        like($all, qr{\Anginx version: openresty/\d+\.\d+\.\d+}, '-V: moxy reports openresty/X.Y.Z');
    }
    like($all, qr{^built with OpenSSL \d+\.\d+\.\d+}m, '-V: "built with OpenSSL X.Y.Z"');
    like($all, qr{^configure arguments:}m, '-V: "configure arguments:" line');
    is($out, '', '-V: writes to stderr (like nginx), nothing on stdout');
}

for my $opt ('-h', '-?') {
    my ($rc, $out, $err) = run($opt);
    my $all = $out . $err;
    is($rc, 0, "$opt: exit 0");
    like($all, qr{\Anginx version: \S+/\d+\.\d+\.\d+[^\n]*\nUsage: }, "$opt: version line first, then Usage");
    like($all, qr{^Usage: \S+ \[-\?hvVtTq\] \[-s signal\] \[-p prefix\]$}m, "$opt: usage line");
    like($all, qr{^\s+\[-e filename\] \[-c filename\] \[-g directives\]$}m, "$opt: usage line 2");
    for my $o ('-?,-h', '-v', '-V', '-t', '-T', '-q', '-s signal', '-p prefix',
               '-e filename', '-c filename', '-g directives')
    {
        like($all, qr{^  \Q$o\E\s+: \S}m, "$opt: documents $o");
    }
    like($all, qr{-s signal\s+: send signal to a master process: stop, quit, reopen, reload}, "$opt: -s text");
    is($out, '', "$opt: writes to stderr (like nginx), nothing on stdout");
}

{
    my ($rc, $out, $err) = run('-x');
    is($rc, 1, 'invalid option: exit 1');
    like($err, qr{invalid option: "x"}, 'invalid option: nginx wording');
}

{
    my ($rc, $out, $err) = run('-s');
    is($rc, 1, '-s without a parameter: exit 1');
    like($err, qr{option "-s" requires parameter}, '-s without a parameter: nginx wording');
}

{
    my ($rc, $out, $err) = run('-p', "$Dir/", '-c', $Conf, '-s', 'foo');
    is($rc, 1, '-s foo: exit 1');
    like($err, qr{invalid option: "-s foo"}, '-s foo: nginx wording');
}

#----------------------------------------------------------------------
# -t -T -q -g -c -p -e
#----------------------------------------------------------------------

spurt($Conf, config());

{
    my ($rc, $out, $err) = run('-p', "$Dir/", '-c', $Conf, '-t');
    is($rc, 0, '-t: exit 0 on a good config');
    like($err, qr{the configuration file \Q$Conf\E syntax is ok}, '-t: "syntax is ok" on stderr');
    like($err, qr{configuration file \Q$Conf\E test is successful}, '-t: "test is successful" on stderr');
    is($out, '', '-t: nothing on stdout');
    ok(!-e $PidFile || !defined read_pid(), '-t: no server pid written');
    ok(port_free($Port), '-t: the port is not kept listening');
}

{
    my ($rc, $out, $err) = run('-q', '-p', "$Dir/", '-c', $Conf, '-t');
    is($rc, 0, '-q -t: exit 0');
    is($err, '', '-q -t: nothing on stderr');
    is($out, '', '-q -t: nothing on stdout');
}

my $bad = "$Dir/conf/bad.conf";
spurt($bad, config(extra => "        # line 27\n        bogus_directive on;\n"));
my $bad_line = do {
    my @l = split /\n/, slurp($bad);
    (grep { $l[$_ - 1] =~ /bogus_directive/ } 1 .. @l)[0];
};

{
    my ($rc, $out, $err) = run('-p', "$Dir/", '-c', $bad, '-t');
    is($rc, 1, '-t: exit 1 on a bad config');
    like($err, qr{\[emerg\] .*unknown directive "bogus_directive" in \Q$bad\E:$bad_line$}m,
         "-t: [emerg] unknown directive with FILE:LINE ($bad_line)");
    like($err, qr{configuration file \Q$bad\E test failed}, '-t: "test failed"');
    unlike($err, qr{syntax is ok|test is successful}, '-t: no success message on failure');
}

{
    my ($rc, $out, $err) = run('-q', '-p', "$Dir/", '-c', $bad, '-t');
    is($rc, 1, '-q -t: exit 1 on a bad config');
    like($err, qr{\[emerg\] .*unknown directive "bogus_directive"}, '-q -t: still prints the error');
    like($err, qr{configuration file \Q$bad\E test failed}, '-q -t: still prints "test failed"');
}

{
    my $inc = "$Dir/conf/extra.inc";
    spurt($inc, "# included file\nlocation = /inc { return 200 \"inc\\n\"; }\n");
    my $c = "$Dir/conf/dump.conf";
    my $text = config(extra => "        include extra.inc;\n");
    spurt($c, $text);
    my ($rc, $out, $err) = run('-p', "$Dir/", '-c', $c, '-T');
    is($rc, 0, '-T: exit 0');
    is($out, "# configuration file $c:\n$text\n# configuration file $inc:\n"
             . slurp($inc) . "\n",
       '-T: dumps every file after "# configuration file PATH:" on stdout');
    like($err, qr{the configuration file \Q$c\E syntax is ok}, '-T: "syntax is ok" on stderr');
    like($err, qr{configuration file \Q$c\E test is successful}, '-T: "test is successful" on stderr');
}

{
    my $c = "$Dir/conf/nowp.conf";
    spurt($c, config(workers => undef));
    my ($rc, $out, $err) = run('-p', "$Dir/", '-c', $c, '-g', 'worker_processes 2;', '-t');
    is($rc, 0, '-g "worker_processes 2;": accepted') or diag $err;

    ($rc, $out, $err) = run('-p', "$Dir/", '-c', $Conf, '-g', 'worker_processes 2;', '-t');
    is($rc, 1, '-g duplicating a config directive: exit 1');
    like($err, qr{\[emerg\] .*"worker_processes" directive is duplicate in \Q$Conf\E:1$}m,
         '-g duplicate: nginx\'s "is duplicate" error (at the config file line)');

    ($rc, $out, $err) = run('-p', "$Dir/", '-c', $c, '-g', 'bogus_global 1;', '-t');
    is($rc, 1, '-g with an unknown directive: exit 1');
    like($err, qr{\[emerg\] .*unknown directive "bogus_global" in command line}, '-g: errors say "in command line"');

    ($rc, $out, $err) = run('-p', "$Dir/", '-c', $c, '-g', 'worker_processes 2', '-t');
    is($rc, 1, '-g without ";": exit 1');
    like($err, qr{\[emerg\] .*unexpected end of parameter, expecting ";" in command line},
         '-g without ";": nginx wording');
}

{
    # -c relative to the prefix, -p without the trailing slash, cwd elsewhere
    my $alt = "$Dir/conf/alt.conf";
    spurt($alt, config());
    my ($rc, $out, $err) = run({ cwd => '/' }, '-p', $Dir, '-c', 'conf/alt.conf', '-t');
    is($rc, 0, '-c relative: exit 0');
    like($err, qr{the configuration file \Q$alt\E syntax is ok}, '-c relative: resolved against -p (no trailing /)');

    ($rc, $out, $err) = run({ cwd => '/' }, '-p', "$Dir/", '-c', 'conf/no-such.conf', '-t');
    is($rc, 1, '-c missing: exit 1');
    like($err, qr{\[emerg\] .*open\(\) "\Q$Dir\E/conf/no-such\.conf" failed \(2: No such file or directory\)},
         '-c missing: open() failed with the full path');
}

{
    # -e: the error log used while reading the config
    my $early = "$Dir/logs/early.log";
    unlink $early, $ErrLog;
    my ($rc, $out, $err) = run('-p', "$Dir/", '-c', $bad, '-e', $early);
    is($rc, 1, '-e: start with a bad config fails');
    my $log = slurp($early);
    ok(defined $log, '-e: the -e file is created');
    like(defined $log ? $log : '',
         qr{^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[emerg\] \d+#\d+: unknown directive "bogus_directive" in \Q$bad\E:$bad_line$}m,
         '-e: the [emerg] line is written to the -e file');
    my $def = slurp($ErrLog);
    ok(!defined $def || $def !~ /bogus_directive/, '-e: not to logs/error.log');
    like($err, qr{\[emerg\] .*unknown directive "bogus_directive"}, '-e: and also to stderr');

    # -e relative to the prefix
    unlink "$Dir/logs/early2.log";
    ($rc) = run({ cwd => '/' }, '-p', "$Dir/", '-c', $bad, '-e', 'logs/early2.log');
    like(slurp("$Dir/logs/early2.log") || '', qr{unknown directive "bogus_directive"},
         '-e relative: resolved against -p');
}

{
    unlink $PidFile;
    my ($rc, $out, $err) = run('-p', "$Dir/", '-c', $Conf, '-s', 'reload');
    is($rc, 1, '-s reload without a pid file: exit 1');
    like($err, qr{\[error\] .*open\(\) "\Q$PidFile\E" failed \(2: No such file or directory\)},
         '-s reload without a pid file: [error] open() "PIDFILE" failed (2: No such file or directory)');
}

{
    # errors inside events {}, which t/010-config.t cannot reach (the
    # Test::Nginx harness writes the events block itself)
    my $c = "$Dir/conf/events.conf";
    my $text = config();
    spurt($c, $text =~ s/worker_connections 64;/worker_connections 64;\n    accept_mutex maybe;/r);
    my ($rc, $out, $err) = run('-p', "$Dir/", '-c', $c, '-t');
    is($rc, 1, 'events: accept_mutex maybe: exit 1');
    like($err, qr{\[emerg\] .*invalid value "maybe" in "accept_mutex" directive, it must be "on" or "off" in \Q$c\E:\d+$}m,
         'events: accept_mutex maybe: nginx\'s flag error');

    spurt($c, $text =~ s/worker_connections 64;/worker_connections x;/r);
    ($rc, $out, $err) = run('-p', "$Dir/", '-c', $c, '-t');
    is($rc, 1, 'events: worker_connections x: exit 1');
    like($err, qr{\[emerg\] .*invalid number "x" in \Q$c\E:\d+$}m,
         'events: worker_connections x: nginx\'s "invalid number "x"" error');
}

#----------------------------------------------------------------------
# master_process off + daemon on: returns only once it listens
#----------------------------------------------------------------------

spurt($Conf, config(port => $Port2));

for my $round (1 .. 3) {
    ok(port_free($Port2), "single process round $round: port $Port2 free before start");
    my ($rc, $out, $err, $pid) = start({ cwd => '/' }, '-p', $Dir, '-c', 'conf/nginx.conf');
    is($rc, 0, "single process round $round: started (exit 0)") or diag $err;
    is($err, '', "single process round $round: nothing on stderr");
    ok(defined $pid && alive($pid), "single process round $round: pid file (relative to -p) holds a live pid at once");
    my ($status, $body) = http_get($Port2, '/');
    is($status, 200, "single process round $round: request right after the command returned: 200");
    is($body, "v1\n", "single process round $round: body");
    my @kids = $pid ? children($pid) : ();
    is(scalar(@kids), 0, "single process round $round: no worker processes");
    ok(!-e "/logs/nginx.pid", "single process round $round: nothing written relative to the cwd");
    if ($pid) {
        kill 'QUIT', $pid;
        ok(wait_until(5, sub { !alive($pid) }), "single process round $round: SIGQUIT stops it");
        ok(wait_until(2, sub { !-e $PidFile }), "single process round $round: pid file removed");
        kill_server($pid);
    }
    ok(wait_until(3, sub { port_free($Port2) }), "single process round $round: port released");
}

#----------------------------------------------------------------------
# master + 2 workers
#----------------------------------------------------------------------

spurt($Conf, config(master => 'on', workers => 2));
unlink $ErrLog;

my ($rc, $out, $err, $master) = start('-p', "$Dir/", '-c', $Conf);
is($rc, 0, 'master: started') or diag $err;
ok($master && alive($master), 'master: pid file holds the live master pid');
like(slurp($PidFile) || '', qr/^\d+\n?\z/, 'master: pid file is digits and an optional newline');

SKIP: {
    skip 'the master did not start', 37 unless $master && alive($master);

    is(body_of($Port, '/'), "v1\n", 'master: request right after start');

    my @w = ();
    wait_until(3, sub { @w = children($master); @w == 2 });
    is(scalar(@w), 2, 'master: 2 worker processes (children of the master)');

    like(cmdline($master), qr/^(?:nginx|moxy): master process /, 'master: title "nginx: master process ..."');
    like(cmdline($w[0] || 0), qr/^(?:nginx|moxy): worker process/, 'master: title "nginx: worker process"');

    my %seen;
    for (1 .. 20) { my $b = body_of($Port, '/'); $seen{defined $b ? $b : 'FAIL'}++ }
    is_deeply(\%seen, { "v1\n" => 20 }, 'master: 20 requests answered');

    # -- reload with a changed config: socket stays open
    my @old = @w;
    spurt($Conf, config(master => 'on', workers => 2,
                        extra => "        location = /v { return 200 \"v2\\n\"; }\n"));
    # a client that keeps sending requests on new connections through the
    # whole reload
    my $hammer_out = "$Dir/tmp/hammer";
    my $hammer = fork;
    die "fork: $!" unless defined $hammer;
    if ($hammer == 0) {
        my ($ok, $bad) = (0, 0);
        my $end = time + 3;
        while (time < $end && !-e "$hammer_out.stop") {
            my ($s, $b) = http_get($Port, '/');
            (defined $s && $s == 200 && $b eq "v1\n") ? $ok++ : $bad++;
        }
        spurt($hammer_out, "$ok $bad\n");
        POSIX::_exit(0);
    }
    sleep 0.2;
    ($rc, $out, $err) = run('-p', "$Dir/", '-c', $Conf, '-s', 'reload');
    is($rc, 0, 'reload: -s reload exits 0') or diag $err;
    my ($fails, $n, $v2) = (0, 0, 0);
    my $deadline = time + 5;
    while (time < $deadline) {
        my ($s, $b) = http_get($Port, '/v');
        $n++;
        if (!defined $s) { $fails++ }
        elsif ($s == 200 && $b eq "v2\n") { $v2 = 1; last }
        elsif (!($s == 200 && $b eq "v1\n")) { $fails++ }   # old config: "location /" 
        sleep 0.02;
    }
    ok($v2, 'reload: the new location answers "v2"');
    is($fails, 0, "reload: every request during the reload was answered ($n requests)");
    sleep 0.3;
    spurt("$hammer_out.stop", '');
    waitpid($hammer, 0);
    my ($h_ok, $h_bad) = split ' ', (slurp($hammer_out) || '0 -1');
    ok($h_ok > 0, "reload: a concurrent client got answers ($h_ok)");
    is($h_bad, 0, 'reload: ... and never a refused/failed request');
    ok(alive($master), 'reload: master still running');
    is(read_pid(), $master, 'reload: same master pid');
    my @new;
    ok(wait_until(5, sub { !grep { alive($_) } @old }), 'reload: the old workers exit');
    wait_until(3, sub { @new = children($master); @new == 2 });
    is(scalar(@new), 2, 'reload: 2 new workers');
    ok(!grep({ my $x = $_; grep { $_ == $x } @old } @new), 'reload: the workers are new processes');
    is(body_of($Port, '/'), "v1\n", 'reload: old locations still work');
    like(slurp($ErrLog) || '', qr/\[notice\] \d+#\d+: signal 1 \(SIGHUP\) received from \d+, reconfiguring$/m,
         'reload: [notice] signal 1 (SIGHUP) received ..., reconfiguring');

    # -- reload with a broken config: old workers keep serving
    @old = @new;
    my $good_conf = slurp($Conf);
    spurt($Conf, $good_conf =~ s/(location = \/v)/bogus_reload_directive on;\n        $1/r);
    ($rc, $out, $err) = run('-p', "$Dir/", '-c', $Conf, '-s', 'reload');
    is($rc, 1, 'broken reload: -s reload reads the config first and fails');
    like($err, qr/unknown directive "bogus_reload_directive"/, 'broken reload: -s reload prints the error');
    kill 'HUP', $master;
    ok(wait_until(3, sub { (slurp($ErrLog) || '') =~ /\[emerg\] \d+#\d+: unknown directive "bogus_reload_directive" in \Q$Conf\E:\d+/ }),
       'broken reload: SIGHUP: the master logs the [emerg] to error.log');
    sleep 0.5;
    ok(alive($master), 'broken reload: master still running');
    is_deeply([children($master)], \@old, 'broken reload: the same workers keep running');
    is(body_of($Port, '/v'), "v2\n", 'broken reload: the old config keeps serving');
    spurt($Conf, $good_conf);

    # -- kill -9 a worker: respawned
    my $victim = $old[0];
    kill 'KILL', $victim;
    my @after;
    ok(wait_until(2, sub { @after = children($master); @after == 2 && !grep { $_ == $victim } @after }),
       'respawn: a new worker replaces the killed one within 2 s');
    ok(!alive($victim), 'respawn: the killed worker is gone');
    ok((grep { $_ == $old[1] } @after), 'respawn: the other worker is untouched');
    is(body_of($Port, '/v'), "v2\n", 'respawn: requests still answered');
    like(slurp($ErrLog) || '', qr/\[alert\] \d+#\d+: worker process $victim exited on signal 9/,
         'respawn: [alert] worker process PID exited on signal 9');

    # -- reopen
    rename $ErrLog, "$ErrLog.old";
    rename "$Dir/logs/access.log", "$Dir/logs/access.log.old";
    ($rc, $out, $err) = run('-p', "$Dir/", '-c', $Conf, '-s', 'reopen');
    is($rc, 0, 'reopen: -s reopen exits 0') or diag $err;
    ok(wait_until(3, sub { -e $ErrLog }), 'reopen: error.log is recreated');
    ok(wait_until(3, sub { body_of($Port, '/reopened'); (slurp("$Dir/logs/access.log") || '') =~ m{GET /reopened } }),
       'reopen: access.log is recreated and written to');
    like(slurp("$ErrLog.old") || '', qr/\[notice\] \d+#\d+: signal 10 \(SIGUSR1\) received from \d+, reopening logs$/m, 'reopen: the old file got [notice] signal 10 (SIGUSR1) received from PID, reopening logs');

    # -- quit
    my @workers = children($master);
    ($rc, $out, $err) = run('-p', "$Dir/", '-c', $Conf, '-s', 'quit');
    is($rc, 0, 'quit: -s quit exits 0') or diag $err;
    ok(wait_until(5, sub { !alive($master) }), 'quit: the master exits');
    ok(wait_until(2, sub { !grep { alive($_) } @workers }), 'quit: the workers exit');
    ok(wait_until(2, sub { !-e $PidFile }), 'quit: the pid file is removed');
    ok(wait_until(3, sub { port_free($Port) }), 'quit: the port is released');
}
kill_server($master);

#----------------------------------------------------------------------
# -g worker_processes 3 + -s stop
#----------------------------------------------------------------------

spurt($Conf, config(master => 'on', workers => undef, port => $Port2));
($rc, $out, $err, $master) = start('-p', "$Dir/", '-c', $Conf, '-g', 'worker_processes 3;');
is($rc, 0, 'stop: started with -g "worker_processes 3;"') or diag $err;
SKIP: {
    skip 'the master did not start', 7 unless $master && alive($master);
    my @w;
    wait_until(3, sub { @w = children($master); @w == 3 });
    is(scalar(@w), 3, '-g worker_processes 3: 3 workers');
    is(body_of($Port2, '/'), "v1\n", 'stop: request answered');
    ($rc, $out, $err) = run('-p', "$Dir/", '-c', $Conf, '-s', 'stop');
    is($rc, 0, 'stop: -s stop exits 0') or diag $err;
    ok(wait_until(3, sub { !alive($master) }), 'stop: the master exits');
    ok(wait_until(2, sub { !grep { alive($_) } @w }), 'stop: the workers exit');
    ok(wait_until(2, sub { !-e $PidFile }), 'stop: the pid file is removed');
    ok(wait_until(3, sub { port_free($Port2) }), 'stop: the port is released');
}
kill_server($master);

#----------------------------------------------------------------------
# SIGTERM: fast stop
#----------------------------------------------------------------------

spurt($Conf, config(master => 'on', workers => 2));
($rc, $out, $err, $master) = start('-p', "$Dir/", '-c', $Conf);
is($rc, 0, 'SIGTERM: started') or diag $err;
SKIP: {
    skip 'the master did not start', 5 unless $master && alive($master);
    my @w;
    wait_until(3, sub { @w = children($master); @w == 2 });
    is(body_of($Port, '/'), "v1\n", 'SIGTERM: request answered');
    kill 'TERM', $master;
    ok(wait_until(3, sub { !alive($master) }), 'SIGTERM: the master exits');
    ok(wait_until(2, sub { !grep { alive($_) } @w }), 'SIGTERM: the workers exit');
    ok(wait_until(2, sub { !-e $PidFile }), 'SIGTERM: the pid file is removed');
    ok(wait_until(3, sub { port_free($Port) }), 'SIGTERM: the port is released');
}
kill_server($master);

#----------------------------------------------------------------------
# a start that fails: exit 1, nothing left running
#----------------------------------------------------------------------

{
    my $blocker = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $Port,
                                        Proto => 'tcp', ReuseAddr => 1, Listen => 5);
    SKIP: {
        skip "cannot bind $Port", 3 unless $blocker;
        spurt($Conf, config(master => 'on', workers => 2));
        unlink $PidFile;
        my ($rc, $out, $err, $pid) = start('-p', "$Dir/", '-c', $Conf);
        isnt($rc, 0, 'port in use: the start fails (non-zero exit)');
        like(($err // '') . (slurp($ErrLog) || ''),
             qr/\[emerg\] .*bind\(\) to 127\.0\.0\.1:$Port failed \(98: Address already in use\)/,
             'port in use: [emerg] bind() ... failed (98: Address already in use)');
        ok(!defined $pid || !alive($pid), 'port in use: nothing left running');
        kill_server($pid) if $pid;
    }
    close $blocker if $blocker;
}

done_testing();
