# A worker never blocks: with ONE worker process, 200 requests that each
# wait 0.5 s in content_by_lua (ngx.sleep) are all answered in well under
# 2 s (one after the other they would take 100 s), and a request is
# answered at once while others wait on timers of 1 s (ngx.sleep, and a
# semaphore posted by ngx.timer.at).
#
# Driven directly, not by Test::Nginx: the server is started here (master
# and one worker, in the foreground, in a process group of its own) under
# a private prefix in a temporary directory, on 127.0.0.1:$TEST_NGINX_PORT
# (default 19860), and killed in END whatever happens. Every wait is
# bounded.
#
#   prove -It/lib t/032-lua-nonblocking.t            (TEST_NGINX_BINARY,
#                                                    default build/moxy)
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/032-lua-nonblocking.t

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

my $Bin = $ENV{TEST_NGINX_BINARY} || 'build/moxy';
$Bin = abs_path($Bin) if $Bin =~ m{/} && -e $Bin;

plan skip_all => "no executable $Bin" unless -x $Bin;

my $Port = $ENV{TEST_NGINX_PORT} || 19860;
my $N = 200;

my $Dir = tempdir('moxy-nonblocking-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$Dir/$_" for qw(conf logs);

my $ErrLog = "$Dir/logs/error.log";
my $Stderr = "$Dir/logs/stderr";

my $LoadModules = join '', map { "load_module $_;\n" }
                           grep { $_ ne '' }
                           split /\s+/, $ENV{TEST_NGINX_LOAD_MODULES} || '';

my $User = $> == 0 ? "user root;\n" : '';

my $ServerPid;

END {
    stop_server();
}

#----------------------------------------------------------------------
# helpers
#----------------------------------------------------------------------

sub slurp {
    my $f = shift;
    open my $in, '<', $f or return '';
    local $/;
    my $s = <$in>;
    close $in;
    return defined $s ? $s : '';
}

sub spurt {
    my ($f, $s) = @_;
    open my $out, '>', $f or die "$f: $!";
    print $out $s;
    close $out;
}

sub running {
    my $pid = shift;
    return 0 unless $pid;
    return 0 if waitpid($pid, WNOHANG) == $pid;
    return kill 0, $pid;
}

# TERM, then KILL for the whole group if it lingers (bounded: 5 s)
sub stop_server {
    my $pid = $ServerPid;
    return unless $pid;
    $ServerPid = undef;

    kill 'TERM', $pid;
    my $deadline = time + 5;
    while (running($pid) && time < $deadline) {
        sleep 0.05;
    }

    kill 'KILL', -$pid;
    kill 'KILL', $pid;
    waitpid($pid, 0);
}

sub start_server {
    my $conf = shift;
    spurt("$Dir/conf/nginx.conf", $conf);

    my $pid = fork;
    die "fork: $!" unless defined $pid;

    if ($pid == 0) {
        POSIX::setsid();
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', $Stderr or POSIX::_exit(126);
        no warnings 'exec';
        exec { $Bin } $Bin, '-p', "$Dir/", '-c', 'conf/nginx.conf';
        POSIX::_exit(127);
    }

    $ServerPid = $pid;

    my $deadline = time + 10;
    while (time < $deadline) {
        return 0 unless running($pid);
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $Port, Proto => 'tcp',
                                      Timeout => 1);
        if ($s) {
            close $s;
            return 1;
        }
        sleep 0.05;
    }

    return 0;
}

# a connected socket with "GET $path" sent (Connection: close)
sub send_request {
    my $path = shift;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $Port,
                                  Proto => 'tcp', Timeout => 5)
        or return undef;
    $s->autoflush(1);
    print $s "GET $path HTTP/1.1\r\nHost: localhost\r\n"
             . "Connection: close\r\n\r\n";
    $s->blocking(0);
    return $s;
}

# (status, body) of a whole response, or () when it is not one
sub parse_response {
    my $resp = shift;
    return () unless defined $resp
                     && $resp =~ m{^HTTP/1\.\d (\d{3})[^\r\n]*\r\n(.*?)\r\n\r\n(.*)\z}s;
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

# Reads every socket of %$socks (name => socket) to its end, all at once,
# until $timeout. Returns { name => { resp => bytes, at => time of EOF } }.
sub collect {
    my ($socks, $timeout) = @_;
    my (%out, %by_fd);
    my $sel = IO::Select->new;

    for my $name (keys %$socks) {
        my $s = $socks->{$name};
        $out{$name} = { resp => '', at => undef };
        $by_fd{fileno $s} = $name;
        $sel->add($s);
    }

    my $deadline = time + $timeout;
    while ($sel->count && time < $deadline) {
        for my $s ($sel->can_read(0.1)) {
            my $name = $by_fd{fileno $s};
            my $n = sysread($s, my $buf, 65536);
            next if !defined $n && $!{EAGAIN};
            if ($n) {
                $out{$name}{resp} .= $buf;
                next;
            }
            $out{$name}{at} = time;
            $sel->remove($s);
            close $s;
        }
    }

    $_->close for $sel->handles;

    return \%out;
}

#----------------------------------------------------------------------
# the server
#----------------------------------------------------------------------

# a peer that takes connections (the kernel's backlog) and never answers
my $Silent = IO::Socket::INET->new(Listen => 128, LocalAddr => '127.0.0.1',
                                   LocalPort => 0, Proto => 'tcp',
                                   ReuseAddr => 1)
    or die "cannot open the silent peer: $!\n";
my $SilentPort = $Silent->sockport;

my $Conf = <<"_EOC_";
${LoadModules}worker_processes 1;
daemon off;
master_process on;
error_log logs/error.log warn;
pid logs/nginx.pid;
$User
events {
    worker_connections 1024;
}

http {
    access_log off;

    server {
        listen 127.0.0.1:$Port;

        location = /sleep {
            content_by_lua_block {
                ngx.sleep(0.5)
                ngx.say("slept ", ngx.var.arg_id)
            }
        }

        location = /sleep1 {
            content_by_lua_block {
                ngx.sleep(1)
                ngx.say("slept 1")
            }
        }

        location = /timer-wait {
            content_by_lua_block {
                local sem = require("ngx.semaphore").new()
                local ok, err = ngx.timer.at(1, function ()
                    sem:post()
                end)
                if not ok then
                    ngx.say("timer: ", err)
                    return
                end
                ngx.say("woke ", (sem:wait(5)))
            }
        }

        location = /fast {
            content_by_lua_block {
                ngx.say("fast")
            }
        }

        location = /silent {
            lua_socket_log_errors off;
            content_by_lua_block {
                local sock = ngx.socket.tcp()
                sock:settimeout(1500)
                local ok, err = sock:connect("127.0.0.1", $SilentPort)
                if not ok then
                    ngx.say("connect: ", err)
                    return
                end
                local data, err = sock:receive()
                ngx.say("silent: ", err)
            }
        }
    }
}
_EOC_

unless (start_server($Conf)) {
    diag("server did not start:\n" . slurp($Stderr) . slurp($ErrLog));
    fail('server started');
    done_testing();
    exit;
}

pass('server started (one worker)');

#----------------------------------------------------------------------
# 1. 200 concurrent requests that sleep 0.5 s each
#----------------------------------------------------------------------

{
    my $t0 = time;
    my %socks;
    my $opened = 0;

    for my $i (1 .. $N) {
        my $s = send_request("/sleep?id=$i");
        last unless $s;
        $socks{$i} = $s;
        $opened++;
    }

    is($opened, $N, "$N client sockets open at once, requests sent");

    my $out = collect(\%socks, 10);
    my $elapsed = time - $t0;

    my ($ok, @bad) = (0);
    for my $i (1 .. $N) {
        my ($status, $body) = parse_response($out->{$i}{resp});
        if (defined $status && $status eq '200' && $body eq "slept $i\n") {
            $ok++;
        } elsif (@bad < 3) {
            push @bad, "request $i: " . (defined $status
                                         ? "status $status, body \"$body\""
                                         : "no complete response");
        }
    }

    is($ok, $N, "all $N responses are 200 with their own body")
        or diag(join "\n", @bad);
    cmp_ok($elapsed, '<', 2, "all $N answered in well under 2 s (took "
                             . sprintf('%.2f', $elapsed) . " s)");
    cmp_ok($elapsed, '>=', 0.45, 'they did wait their 0.5 s');
}

#----------------------------------------------------------------------
# 2. a request is answered at once while others wait on 1 s timers
#----------------------------------------------------------------------

{
    my $t0 = time;
    my %slow = (
        sleep => send_request('/sleep1'),
        sema  => send_request('/timer-wait'),
    );

    ok($slow{sleep} && $slow{sema}, 'two requests wait on 1 s timers');

    # let both reach their wait
    sleep 0.1;

    my $t1 = time;
    my $fast = collect({ fast => send_request('/fast') }, 5)->{fast};
    my $fast_took = (defined $fast->{at} ? $fast->{at} : time) - $t1;
    my ($status, $body) = parse_response($fast->{resp});

    is($status, '200', 'the third request: 200');
    is($body, "fast\n", 'the third request: its body');
    cmp_ok($fast_took, '<', 0.5, 'the third request is answered at once (took '
                                  . sprintf('%.3f', $fast_took) . ' s)');

    my $out = collect({ map { $_ => $slow{$_} } grep { $slow{$_} } keys %slow },
                      5);

    ($status, $body) = parse_response($out->{sleep}{resp});
    is("$status $body", "200 slept 1\n", 'ngx.sleep(1): its response');
    ($status, $body) = parse_response($out->{sema}{resp});
    is("$status $body", "200 woke true\n",
       'a semaphore posted by a 1 s timer: its response');

    for my $name (qw(sleep sema)) {
        my $took = (defined $out->{$name}{at} ? $out->{$name}{at} : time) - $t0;
        cmp_ok($took, '>=', 0.9, "$name: waited its 1 s");
        cmp_ok($took, '<', 3, "$name: not much longer");
    }
}

#----------------------------------------------------------------------
# 3. requests waiting on a silent peer do not hold up the others
#----------------------------------------------------------------------

{
    my $t0 = time;
    my %silent;

    for my $i (1 .. 20) {
        my $s = send_request('/silent');
        $silent{$i} = $s if $s;
    }

    is(scalar keys %silent, 20, '20 requests wait on a silent peer');

    # let them reach their receive()
    sleep 0.2;

    my $t1 = time;
    my $fast = collect({ fast => send_request('/fast') }, 5)->{fast};
    my $fast_took = (defined $fast->{at} ? $fast->{at} : time) - $t1;
    my ($status, $body) = parse_response($fast->{resp});

    is("$status $body", "200 fast\n", 'a request meanwhile: its response');
    cmp_ok($fast_took, '<', 0.5, 'it is answered at once (took '
                                  . sprintf('%.3f', $fast_took) . ' s)');

    my $out = collect(\%silent, 6);
    my $took = time - $t0;
    my $timeouts = grep {
        my ($st, $b) = parse_response($out->{$_}{resp});
        defined $st && $st eq '200' && $b eq "silent: timeout\n"
    } keys %silent;

    is($timeouts, 20, 'the silent ones end with "timeout"');
    cmp_ok($took, '>=', 1.4, 'after their 1.5 s read timeout');
}

#----------------------------------------------------------------------
# the worker stayed healthy
#----------------------------------------------------------------------

ok(running($ServerPid), 'the server still runs');

stop_server();

my $log = slurp($ErrLog) . slurp($Stderr);
unlike($log, qr/\[(?:alert|crit|emerg)\]|ERROR: AddressSanitizer|runtime error/,
       'no alert, crit, emerg or sanitizer report in the logs');
unlike($log, qr/\[error\]/, 'no [error] in error.log');

done_testing();
