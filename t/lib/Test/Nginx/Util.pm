package Test::Nginx::Util;

# moxy's own implementation of the Test::Nginx server manager (the half of
# Test::Nginx that writes nginx.conf, starts and stops the server and reads
# its logs).  Written from the Test::Nginx contract notes and from the
# observed behaviour of openresty/test-nginx; the client side and the checks
# live in Test::Nginx::Socket.  See the comment at the top of Socket.pm for
# how tests are counted and what differs from the real Test::Nginx.

use strict;
use warnings;

our $VERSION = '0.32';

use base 'Exporter';

use Carp qw(croak);
use Config ();
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use File::Spec ();
use File::Temp ();
use IO::Socket::INET ();
use IO::Socket::UNIX ();
use List::Util qw(shuffle);
use POSIX qw(SIGQUIT SIGKILL SIGTERM WNOHANG);
use Scalar::Util qw(looks_like_number);
use Socket qw(SOCK_STREAM SOCK_DGRAM);
use Time::HiRes qw(sleep);
use Time::Local qw(timegm);
use Test::More ();

our @EXPORT = qw(
    env_to_nginx is_str check_accum_error_log is_running
    $NoLongString no_long_string
    $ServerAddr server_addr $ServerName server_name
    parse_time verbose sleep_time bail_out add_cleanup_handler
    access_log_data error_log_data setup_server_root write_config_file
    get_canon_version get_nginx_version trim show_all_chars parse_headers
    run_tests run_test get_pid_from_pidfile
    $ServerPortForClient $ServerPort $NginxVersion $NginxBinary $PidFile
    $ServRoot $ConfFile $ErrLogFile $AccLogFile $HtmlDir $LogDir
    $RunTestHelper $CheckErrorLog $CheckShutdownErrorLog $FilterHttpConfig
    $NoNginxManager $RepeatEach $DryRunFails
    add_block_preprocessor timeout worker_connections workers master_on
    master_off config_preamble repeat_each master_process_enabled log_level
    no_shuffle no_root_location html_dir server_root server_port
    server_port_for_client no_nginx_manager use_hup port
    dry_run_checks
);

#----------------------------------------------------------------------
# Settings (same environment variables as Test::Nginx)
#----------------------------------------------------------------------

# t/lib/Test/Nginx/Util.pm -> the repository root is 5 levels up.
our $RepoRoot = dirname(dirname(dirname(dirname(dirname(
    File::Spec->rel2abs(__FILE__))))));

our $NginxBinary = $ENV{TEST_NGINX_BINARY}
    || (-f "$RepoRoot/build/moxy" && -x _ ? "$RepoRoot/build/moxy" : 'nginx');

our $Verbose             = $ENV{TEST_NGINX_VERBOSE};
our $LoadModules         = $ENV{TEST_NGINX_LOAD_MODULES};
our $NoShuffle           = !$ENV{TEST_NGINX_SHUFFLE};   # file order by default
our $EventType           = $ENV{TEST_NGINX_EVENT_TYPE};
our $PostponeOutput      = $ENV{TEST_NGINX_POSTPONE_OUTPUT};
our $Timeout             = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $CheckAccumErrLog    = $ENV{TEST_NGINX_CHECK_ACCUM_ERR_LOG};
our $FastShutdown        = $ENV{TEST_NGINX_FAST_SHUTDOWN};
our $NoNginxManager      = $ENV{TEST_NGINX_NO_NGINX_MANAGER} || 0;
our $ServerAddr          = '127.0.0.1';
our $ServerName          = 'localhost';
our $WorkerUser          = $ENV{TEST_NGINX_WORKER_USER};
our $RepeatEach          = 1;
our $Workers             = 1;
our $WorkerConnections   = 64;
our $LogLevel            = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $MasterProcessEnabled = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
our $DaemonEnabled       = 'on';
our $ServerPort          = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT}
                           || 1984;
our $ServerPortForClient = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
our $NoRootLocation      = 0;
our $TestNginxSleep      = $ENV{TEST_NGINX_SLEEP} || 0.015;
our $ForceRestartOnTest  = defined $ENV{TEST_NGINX_FORCE_RESTART_ON_TEST}
                           ? $ENV{TEST_NGINX_FORCE_RESTART_ON_TEST} : 1;
our $NoLongString;
our $ConfigPreamble      = '';
our $FilterHttpConfig;
our $UseHup;             # accepted for compatibility, not implemented

if (defined $WorkerUser && $WorkerUser !~ /^\w+(?:\s+\w+)?$/) {
    die "Bad value in the env TEST_NGINX_WORKER_USER: $WorkerUser\n";
}

sub gen_rand_port (;$$);

# TEST_NGINX_RANDOMIZE=1: a random free port and t/servroot_PORT, so that
# several test files can run at once (prove -j N)
our $Randomize = $ENV{TEST_NGINX_RANDOMIZE};
if ($Randomize) {
    srand($$ ^ time);
    $ServerPort = gen_rand_port(1000)
        or die "Cannot find an available listening port number\n";
    $ServerPortForClient = $ServerPort;
}

our $ServRoot   = $Randomize ? File::Spec->rel2abs("t/servroot_$ServerPort")
                  : $ENV{TEST_NGINX_SERVROOT} || File::Spec->rel2abs('t/servroot');
our $LogDir     = File::Spec->catfile($ServRoot, 'logs');
our $ErrLogFile = File::Spec->catfile($LogDir, 'error.log');
our $AccLogFile = File::Spec->catfile($LogDir, 'access.log');
our $HtmlDir    = File::Spec->catfile($ServRoot, 'html');
our $ConfDir    = File::Spec->catfile($ServRoot, 'conf');
our $ConfFile   = File::Spec->catfile($ConfDir, 'nginx.conf');
our $PidFile    = File::Spec->catfile($LogDir, 'nginx.pid');

$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;
$ENV{TEST_NGINX_SERVROOT}  ||= $ServRoot;

# the repository's lualib/, for lua_package_path when testing another nginx
$ENV{TEST_NGINX_LUALIB_DIR} ||= "$RepoRoot/lualib";

# State
our ($NginxVersion, $NginxRawVersion, $OpenSSLVersion, $NginxVOutput);
our %WithoutModules;
our ($RunTestHelper, $CheckErrorLog, $CheckShutdownErrorLog);
our (@EnvToNginx, @BlockPreprocessors, @CleanupHandlers);
our ($PrevConfig, $PrevBlock, $ErrLogFilePos, $ChildPid);
our ($TcpServerPid, $UdpServerPid);
our $FirstTime = 1;
our $InSubprocess;
our $DryRunFails = 0;    # set when nginx could not be started: checks fail
our $ExtraErrLogLines;   # must_die: stderr lines of the start command
our $StderrFile;         # where the start command's stderr is captured

#----------------------------------------------------------------------
# Child subreaper: an exited daemon is re-parented to us (not to a slow
# PID 1), so we can reap it and kill(0) stops succeeding at once.
#----------------------------------------------------------------------

sub _become_subreaper () {
    return unless $^O eq 'linux';
    my $arch = $Config::Config{archname} || '';
    my $nr = $arch =~ /^(?:x86_64|amd64)/     ? 157
           : $arch =~ /^(?:aarch64|arm64|riscv64)/ ? 167
           : $arch =~ /^i[3-6]86/              ? 172
           : undef;
    return unless defined $nr;
    local $!;
    eval { syscall($nr, 36, 1, 0, 0, 0) };   # prctl(PR_SET_CHILD_SUBREAPER, 1)
}

_become_subreaper();

sub reap_children () {
    local ($!, $?);
    1 while waitpid(-1, WNOHANG) > 0;
}

#----------------------------------------------------------------------
# Small public helpers
#----------------------------------------------------------------------

sub is_running ($) {
    my $pid = shift;
    return 0 unless $pid;
    reap_children();
    return kill 0, $pid;
}

sub no_long_string () { $NoLongString = 1 }

sub is_str (@) {
    my ($got, $expected, $desc) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    if (ref $expected && ref $expected eq 'Regexp') {
        return Test::More::like($got, $expected, $desc);
    }
    if ($NoLongString) {
        return Test::More::is($got, $expected, $desc);
    }
    # Test::Base's is() prints a diff for multi-line strings
    return Test::Base::is($got, $expected, $desc);
}

sub server_addr (@) {
    if (@_) { $ServerAddr = shift } else { return $ServerAddr }
}

sub server_name (@) {
    if (@_) { $ServerName = shift } else { return $ServerName }
}

sub timeout (@) {
    if (@_) { $Timeout = shift } else { return $Timeout }
}

sub no_shuffle () { $NoShuffle = 1 }
sub no_nginx_manager () { $NoNginxManager = 1 }
sub use_hup () { $UseHup = 1 }
sub verbose () { $Verbose }
sub sleep_time () { $TestNginxSleep }
sub check_accum_error_log () { $CheckAccumErrLog = 1 }
sub no_root_location () { $NoRootLocation = 1 }
sub master_on () { $MasterProcessEnabled = 'on' }
sub master_off () { $MasterProcessEnabled = 'off' }
sub html_dir () { $HtmlDir }
sub server_root () { $ServRoot }
sub config_preamble ($) { $ConfigPreamble = shift }
sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }
sub add_cleanup_handler ($) { unshift @CleanupHandlers, shift }

sub env_to_nginx (@) {
    croak "env_to_nginx: no arguments specified" unless @_;
    for my $v (@_) {
        if ($v !~ /^[A-Za-z_]/ || $v =~ /\n/) {
            croak "env_to_nginx: bad argument value: $v\n";
        }
        push @EnvToNginx, $v;
    }
}

sub server_port (@) {
    if (@_) { $ServerPort = shift } else { return $ServerPort }
}

# moxy extension: port() is a short alias of server_port()
sub port (@) { server_port(@_) }

sub server_port_for_client (@) {
    if (@_) { $ServerPortForClient = shift } else { return $ServerPortForClient }
}

sub repeat_each (@) {
    $RepeatEach = shift if @_;
    return $RepeatEach;
}

sub worker_connections (@) {
    if (@_) { $WorkerConnections = shift } else { return $WorkerConnections }
}

sub workers (@) {
    if (@_) { $Workers = shift } else { return $Workers }
}

sub log_level (@) {
    if (@_) { $LogLevel = shift } else { return $LogLevel }
}

sub master_process_enabled (@) {
    if (@_) { $MasterProcessEnabled = shift() ? 'on' : 'off' }
    else { return $MasterProcessEnabled }
}

sub parse_time ($) {
    my $tm = shift;
    if (defined $tm) {
        if ($tm =~ s/([^_a-zA-Z])ms$/$1/) {
            $tm = $tm / 1000;
        } else {
            $tm =~ s/([^_a-zA-Z])s$/$1/;
        }
    }
    return $tm;
}

sub trim ($) {
    my $s = shift;
    return undef unless defined $s;
    $s =~ s/^\s+|\s+$//g;
    $s =~ s/\n/ /gs;
    $s =~ s/\s{2,}/ /gs;
    return $s;
}

sub show_all_chars ($) {
    my $s = shift;
    $s =~ s/\n/\\n/gs;
    $s =~ s/\r/\\r/gs;
    $s =~ s/\t/\\t/gs;
    return $s;
}

# "Name: value" lines -> { name => value }; "!Name" (or a bare "Name")
# maps to undef, which means "must be absent".
sub parse_headers ($) {
    my $s = shift;
    my %headers;
    for my $line (split /\n/, defined $s ? $s : '') {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '';
        if ($line =~ s/^!\s*//) {
            $headers{$line} = undef;
            next;
        }
        my ($key, $val) = split /\s*:\s*/, $line, 2;
        $headers{$key} = $val;
    }
    return \%headers;
}

sub get_canon_version (@) {
    sprintf "%d.%03d%03d", $_[0], $_[1], $_[2];
}

sub _canon_openssl_version (@) {
    return sprintf "%d.%03d%03d%03d", $_[0], $_[1], $_[2], ord($_[3]) - ord('a')
        if defined $_[3];
    return get_canon_version(@_);
}

#----------------------------------------------------------------------
# Bail out / cleanup
#----------------------------------------------------------------------

sub bail_out (@) {
    cleanup();
    Test::More::BAIL_OUT(join '', @_);
}

sub kill_process ($$$) {
    my ($pid, $wait, $name) = @_;
    return unless $pid;

    if ($wait) {
        kill($FastShutdown ? SIGTERM : SIGQUIT, $pid);
        my $left = timeout();
        while ($left > 0 && is_running($pid)) {
            sleep 0.05;
            $left -= 0.05;
        }
        if (is_running($pid)) {
            warn "$name - timeout when waiting for the process $pid to exit\n";
            if (getpgrp($pid) == $pid) {
                kill(SIGKILL, -$pid);
            } else {
                kill(SIGKILL, $pid);
            }
            sleep 0.05;
        }
    }

    my $step = $TestNginxSleep;
    for (my $i = 1; $i <= 20; $i++) {
        return unless is_running($pid);
        kill(SIGTERM, $pid);
        $step *= 1.2;
        $step = 0.5 if $step > 0.5;
        sleep $step;
    }

    return unless is_running($pid);
    warn "$name - WARNING: killing the child process $pid with force...\n";
    kill(SIGKILL, $pid);
    sleep 0.05;
    reap_children();
}

sub cleanup () {
    for my $hdl (@CleanupHandlers) {
        $hdl->();
    }
    if (defined $UdpServerPid) {
        kill_process($UdpServerPid, 1, "cleanup");
        undef $UdpServerPid;
    }
    if (defined $TcpServerPid) {
        kill_process($TcpServerPid, 1, "cleanup");
        undef $TcpServerPid;
    }
    if (defined $ChildPid) {
        kill_process($ChildPid, 1, "cleanup");
        undef $ChildPid;
    }
}

#----------------------------------------------------------------------
# Logs
#----------------------------------------------------------------------

sub access_log_data () {
    sleep $TestNginxSleep * 3;
    open my $in, '<', $AccLogFile or return [];
    my @lines = <$in>;
    close $in;
    return \@lines;
}

sub error_log_data () {
    # give the log phase (after the connection is closed) a moment
    sleep $TestNginxSleep * 3;

    my @lines;
    if (open my $in, '<', $ErrLogFile) {
        if (!$CheckAccumErrLog && $ErrLogFilePos && $ErrLogFilePos > 0) {
            seek $in, $ErrLogFilePos, 0;
        }
        @lines = <$in>;
        $ErrLogFilePos = tell($in) unless $CheckAccumErrLog;
        close $in;
    }

    if ($ExtraErrLogLines) {
        push @lines, @$ExtraErrLogLines;
        undef $ExtraErrLogLines;
    }

    return \@lines;
}

sub _file_tail ($$) {
    my ($file, $n) = @_;
    open my $in, '<', $file or return '';
    my @lines = <$in>;
    close $in;
    splice @lines, 0, @lines - $n if @lines > $n;
    return join '', @lines;
}

sub _slurp ($) {
    my $file = shift;
    open my $in, '<', $file or return '';
    local $/;
    my $s = <$in>;
    close $in;
    return defined $s ? $s : '';
}

sub check_if_missing_directives () {
    open my $in, '<', $ErrLogFile or return 0;
    while (<$in>) {
        if (/\[emerg\] \S+?: unknown directive "([^"]+)"/) {
            close $in;
            return $1;
        }
    }
    close $in;
    return 0;
}

sub check_prev_block_shutdown_error_log () {
    my $block = $PrevBlock;
    return unless defined $block;
    # like Test::Nginx: only blocks with --- shutdown_error_log are checked
    return unless defined $block->shutdown_error_log;
    my $dry_run = $ENV{TEST_NGINX_NO_CLEAN} ? 1 : 0;
    $CheckShutdownErrorLog->($block, $dry_run) if $CheckShutdownErrorLog;
    undef $PrevBlock;
}

# Emit $n skipped (or, after a failed start, failed) tests.
sub dry_run_checks ($$) {
    my ($msg, $n) = @_;
    my $tb = Test::More->builder;
    if ($DryRunFails) {
        $msg =~ s/tests skipped due to/not checked because/;
    }
    for (1 .. $n) {
        if ($DryRunFails) {
            $tb->ok(0, $msg);
        } else {
            $tb->skip($msg);
        }
    }
}

#----------------------------------------------------------------------
# Server root, user files, nginx.conf
#----------------------------------------------------------------------

sub setup_server_root ($) {
    my $first_time = shift;

    if (-d $ServRoot) {
        remove_tree($ConfDir, $HtmlDir, $LogDir, glob("$ServRoot/*_cache"),
                    glob("$ServRoot/*_temp"));
        if (!rmdir $ServRoot) {
            # something else was left behind (sockets, files written by
            # the tests); only wipe it when the path looks like a servroot
            if ($ServRoot =~ m{servroot[^/]*/?$}) {
                remove_tree($ServRoot);
            } else {
                bail_out("Can't remove $ServRoot (not empty?): $!");
            }
        }
    }

    for my $dir ($ServRoot, $LogDir, $HtmlDir, $ConfDir) {
        next if -d $dir;
        make_path($dir) or bail_out("Failed to do mkdir $dir: $!\n");
    }

    my $index_file = "$HtmlDir/index.html";
    open my $out, '>', $index_file
        or bail_out("Can't open $index_file for writing: $!\n");
    print $out '<html><head><title>It works!</title></head>'
               . '<body>It works!</body></html>';
    close $out;
}

sub write_user_files ($$) {
    my ($block, $rand_ports) = @_;
    my $name = $block->name;
    my $files = $block->user_files;
    return unless $files;

    if (!ref $files) {
        my @list;
        my ($fname, $body, $extra);
        for my $line (split /^/m, $files) {
            if ($line =~ /^>>> (\S+)(?:[ \t]+(\S.*?))?\s*$/) {
                push @list, [$fname, $body, $extra] if defined $fname;
                ($fname, $extra) = ($1, $2);
                undef $body;
            } elsif (defined $fname) {
                $body .= $line;
            }
        }
        push @list, [$fname, $body, $extra] if defined $fname;
        $files = \@list;

    } elsif (ref $files ne 'ARRAY') {
        bail_out("$name - wrong value type: ", ref $files,
                 ", only scalar or ARRAY are accepted");
    }

    for my $file (@$files) {
        my ($fname, $body, $extra) = @$file;
        $body = '' unless defined $body;

        my $path = $fname =~ m{^/} ? $fname : "$HtmlDir/$fname";
        if ($path =~ m{(.*)/}) {
            my $dir = $1;
            if (!-d $dir) {
                make_path($dir) or bail_out("$name - Cannot create directory $dir");
            }
        }

        $body = expand_env_in_text($body, $name, $rand_ports);

        open my $out, '>', $path
            or bail_out("$name - Cannot open $path for writing: $!\n");
        binmode $out;
        print $out $body;
        close $out;

        next unless defined $extra && $extra ne '';

        if ($extra =~ /^0?[0-7]{3}$/) {
            # moxy extension: ">>> name 644" sets the permissions
            chmod oct($extra), $path
                or bail_out("$name - chmod $extra $path failed: $!");

        } elsif ($extra =~ /^(\d{2})?(\d{2})?(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{2}))?$/) {
            # Test::Nginx: ">>> name [[CC]YY]MMDDhhmm[.ss]" sets the mtime (GMT)
            my ($cc, $yy, $mo, $dd, $hh, $mi, $ss) = ($1, $2, $3, $4, $5, $6, $7);
            if (defined $cc && !defined $yy) { ($yy, $cc) = ($cc, undef) }
            my $year = defined $yy
                ? (defined $cc ? $cc * 100 + $yy : ($yy < 69 ? 2000 + $yy : 1900 + $yy))
                : (gmtime)[5] + 1900;
            my $t = eval { timegm($ss || 0, $mi, $hh, $dd, $mo - 1, $year) };
            if (defined $t) {
                utime $t, $t, $path;
            } else {
                warn "$name - bad date \"$extra\" for user file $fname\n";
            }
        }
    }
}

sub expand_env_in_text ($$$) {
    my ($text, $name, $rand_ports) = @_;
    return undef unless defined $text;

    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        my $var = $1;
        my $val;
        if ($var =~ /^TEST_NGINX_RAND_PORT_[0-9]+$/) {
            if (!defined $rand_ports->{$var}) {
                my %used = ($ServerPort => 1, map { $_ => 1 } values %$rand_ports);
                my $port = gen_rand_port(1000, \%used);
                bail_out("$name - Cannot find an available listening port number for $var.\n")
                    unless defined $port;
                $rand_ports->{$var} = $port;
            }
            $val = $rand_ports->{$var};
        } else {
            bail_out("$name - No environment $var defined.\n")
                unless defined $ENV{$var};
            $val = $ENV{$var};
        }
        $val;
    }eg;

    return $text;
}

sub gen_rand_port (;$$) {
    my ($tries, $used) = @_;
    $tries ||= 1000;
    $used ||= {};
    for (1 .. $tries) {
        my $port = int(rand 63550) + 1985;
        next if $used->{$port};
        my $sock = IO::Socket::INET->new(
            LocalAddr => $ServerAddr,
            LocalPort => $port,
            Proto     => 'tcp',
            Timeout   => 0.1,
        );
        if ($sock) {
            close $sock;
            return $port;
        }
    }
    return undef;
}

sub write_config_file ($$$) {
    my ($block, $config, $rand_ports) = @_;

    my $name             = $block->name;
    my $http_config      = $block->http_config;
    my $main_config      = $block->main_config;
    my $post_main_config = $block->post_main_config;
    my $err_log_file     = $block->error_log_file || $ErrLogFile;
    my $server_name      = $block->server_name;
    $server_name = $ServerName unless defined $server_name;

    $config = '' unless defined $config;

    $http_config = expand_env_in_text($http_config, $name, $rand_ports);
    $http_config = '' unless defined $http_config;
    $http_config = $FilterHttpConfig->($http_config) if $FilterHttpConfig;

    my $postpone = $PostponeOutput;
    undef $postpone if $http_config =~ /\bpostpone_output\b/;
    if (defined $postpone && $postpone !~ /^\d+$/) {
        bail_out("Bad TEST_NGINX_POSTPONE_OUTPUT value: $postpone\n");
    }

    $main_config = expand_env_in_text($main_config, $name, $rand_ports);
    $main_config = '' unless defined $main_config;

    $post_main_config = expand_env_in_text($post_main_config, $name, $rand_ports);
    $post_main_config = '' unless defined $post_main_config;

    my $load_modules = '';
    if ($LoadModules) {
        my @mods = map { "load_module $_;" } grep { $_ ne '' } split /\s+/, $LoadModules;
        $load_modules = join(' ', @mods) . "\n" if @mods;
    }

    (my $quoted_server_name = $server_name) =~ s/\\/\\\\/g;
    $quoted_server_name =~ s/'/\\'/g;

    my $env_lines = '';
    for my $v (@EnvToNginx) {
        my $e = $v =~ /\s/ ? "'$v'" : $v;
        $env_lines .= "env $e;\n";
    }

    my $temp_paths = "    client_body_temp_path $ServRoot/client_body_temp;\n"
                   . "    proxy_temp_path $ServRoot/proxy_temp;\n";
    for my $m (qw(fastcgi scgi uwsgi)) {
        next if $WithoutModules{$m};
        $temp_paths .= "    ${m}_temp_path $ServRoot/${m}_temp;\n";
    }

    my $extra_http = defined $postpone ? "    postpone_output $postpone;\n" : '';

    my $root_location = $NoRootLocation ? '' : <<_EOC_;
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
_EOC_

    my $use_event = $EventType ? "    use $EventType;\n" : '';

    my $user = '';
    if (defined $WorkerUser) {
        $user = "user $WorkerUser;\n";
    } elsif ($> == 0) {
        $user = "user root;\n";
    }

    open my $out, '>', $ConfFile
        or bail_out("Can't open $ConfFile for writing: $!\n");

    print $out <<_EOC_;
worker_processes  $Workers;
daemon $DaemonEnabled;
master_process $MasterProcessEnabled;
error_log $err_log_file $LogLevel;
pid       $PidFile;
env MOCKEAGAIN_VERBOSE;
env MOCKEAGAIN;
env MOCKEAGAIN_WRITE_TIMEOUT_PATTERN;
env LD_PRELOAD;
env LD_LIBRARY_PATH;
env DYLD_INSERT_LIBRARIES;
env DYLD_FORCE_FLAT_NAMESPACE;
${env_lines}#env LUA_PATH;
#env LUA_CPATH;

$load_modules$main_config

http {
    access_log $AccLogFile;
    #access_log off;

$temp_paths
    default_type text/plain;
    keepalive_timeout  68000ms;
$extra_http
$http_config

    server {
        listen          $ServerPort;
        server_name     '$quoted_server_name';

        client_max_body_size 30M;
        #client_body_buffer_size 4k;

        # Begin preamble config...
$ConfigPreamble
        # End preamble config...

        # Begin test case config...
$config
        # End test case config.

$root_location    }
}

$post_main_config

#timer_resolution 100ms;

events {
    accept_mutex off;

    worker_connections  $WorkerConnections;
$use_event}
env ASAN_OPTIONS;
env MOCKNOEAGAIN_VERBOSE;
env MOCKNOEAGAIN;
$user
_EOC_

    close $out;
}

#----------------------------------------------------------------------
# The binary
#----------------------------------------------------------------------

sub can_run ($) {
    my $cmd = shift;
    if ($cmd =~ m{/}) {
        return (-f $cmd && -x $cmd) ? $cmd : undef;
    }
    for my $dir (split(/$Config::Config{path_sep}/, $ENV{PATH} || ''), '.') {
        next if $dir eq '';
        my $abs = File::Spec->catfile($dir, $cmd);
        return $abs if -f $abs && -x $abs;
    }
    return undef;
}

sub get_nginx_version () {
    if (!can_run($NginxBinary)) {
        bail_out("Cannot find the nginx binary \"$NginxBinary\" (not found or "
                 . "not executable; set TEST_NGINX_BINARY or build build/moxy)");
    }
    my $out = `$NginxBinary -V 2>&1`;
    if (!defined $out || $? != 0) {
        $out = '' unless defined $out;
        bail_out("Failed to get the version of the Nginx binary "
                 . "\"$NginxBinary\" (-V failed): $out");
    }
    $NginxVOutput = $out;

    for my $m (qw(fastcgi scgi uwsgi)) {
        $WithoutModules{$m} = 1 if $out =~ /--without-http_${m}_module\b/;
    }

    if ($out =~ m{built with OpenSSL (\d+)\.(\d+)\.(\d+)([a-z])?}s) {
        $OpenSSLVersion = _canon_openssl_version($1, $2, $3, $4);
    }

    if ($out =~ m{(?:nginx|openresty)[^/]*/(\d+)\.(\d+)\.(\d+)}s
        || $out =~ m{\w+/(\d+)\.(\d+)\.(\d+)}s)
    {
        $NginxRawVersion = "$1.$2.$3";
        return get_canon_version($1, $2, $3);
    }

    bail_out("Failed to parse the output of \"nginx -V\": $out\n");
}

sub get_pid_from_pidfile ($) {
    my ($name) = @_;
    open my $in, '<', $PidFile
        or bail_out("$name - Failed to open the pid file $PidFile for reading: $!");
    my $pid = do { local $/; <$in> };
    close $in;
    $pid = '' unless defined $pid;
    $pid =~ s/\s+//g;
    return $pid;
}

sub _stderr_file () {
    if (!$StderrFile) {
        my $tmp = File::Temp->new(TEMPLATE => 'test-nginx-stderr-XXXXXX',
                                  TMPDIR => 1, UNLINK => 1);
        $StderrFile = $tmp;   # keep the object: the file goes away at exit
    }
    return "$StderrFile";
}

# Runs the start command; returns ($status, $stderr_text).
sub _start_nginx ($) {
    my $cmd = shift;
    my $errfile = _stderr_file();
    if ($Verbose) {
        warn "starting: $cmd\n";
    }
    system("$cmd 2>$errfile");
    my $status = $?;
    my $stderr = _slurp($errfile);
    return ($status, $stderr);
}

sub _nginx_cmd () {
    my $e = (!defined $NginxVersion || $NginxVersion >= 1.019005)
            ? " -e $ErrLogFile" : '';
    return "$NginxBinary$e -p $ServRoot/ -c $ConfFile > /dev/null";
}

sub _stop_running_nginx ($) {
    my $name = shift;
    return unless -f $PidFile;
    my $pid = get_pid_from_pidfile($name);
    if ($pid && $pid =~ /^\d+$/ && is_running($pid)) {
        kill_process($pid, 1, $name);
    }
    unlink $PidFile if -f $PidFile;
}

#----------------------------------------------------------------------
# Mock TCP/UDP servers (--- tcp_listen / --- udp_listen)
#----------------------------------------------------------------------

sub _start_tcp_server ($) {
    my $block = shift;
    my $name = $block->name;
    my $target = $block->tcp_listen;

    my $reply = $block->tcp_reply;
    if (!defined $reply && !defined $block->tcp_shutdown) {
        bail_out("$name - no --- tcp_reply specified but --- tcp_listen is specified");
    }

    my $req_len = $block->tcp_query_len;
    my $query_file;
    if (defined $block->tcp_query || defined $req_len) {
        $req_len = length($block->tcp_query) unless defined $req_len;
        $query_file = File::Temp::tmpnam();
    }

    my ($sock, $err);
    for my $try (1 .. 30) {
        if ($target =~ /^\d+$/) {
            $sock = IO::Socket::INET->new(
                LocalHost => '127.0.0.1',
                LocalPort => $target,
                Proto     => 'tcp',
                ReuseAddr => 1,
                Listen    => 5,
            );
        } elsif ($target =~ m{\S+\.sock$}) {
            unlink $target if -e $target;
            $sock = IO::Socket::UNIX->new(
                Local  => $target,
                Type   => SOCK_STREAM,
                Listen => 5,
            );
        } else {
            bail_out("$name - bad tcp_listen target: $target");
        }
        last if $sock;
        $err = $!;
        last unless $err =~ /in use/i;
        warn "WARNING: failed to create the tcp listening socket: $err\n";
        sleep 0.2;
    }
    bail_out("$name - failed to create the tcp listening socket: $err") unless $sock;

    my $pid = fork();
    bail_out("$name - fork() failed: $!") unless defined $pid;

    if ($pid == 0) {
        $InSubprocess = 1;
        local $SIG{PIPE} = 'IGNORE';
        my $client;
        while (1) {
            $client = $sock->accept();
            last if $client;
            sleep $TestNginxSleep;
        }

        my ($no_read, $no_write);
        if (defined $block->tcp_shutdown) {
            my $how = $block->tcp_shutdown;
            sleep parse_time($block->tcp_shutdown_delay) if $block->tcp_shutdown_delay;
            shutdown($client, $how);
            if ($how == 0 || $how == 2) { $no_read = 1 } else { $no_write = 1 }
        }

        my $buf = '';
        unless ($no_read) {
            while (1) {
                my $b = '';
                my $n = sysread($client, $b, 4096);
                last if !$n;
                $buf .= $b;
                if ($query_file && open my $q, '>', $query_file) {
                    binmode $q;
                    print $q $buf;
                    close $q;
                }
                last if !$req_len || length($buf) >= $req_len;
            }
        }

        my $delay = parse_time($block->tcp_reply_delay);
        sleep $delay if $delay;

        if (!$no_write && defined $reply) {
            $reply = $reply->($buf) if ref $reply eq 'CODE';
            for my $r (ref $reply eq 'ARRAY' ? @$reply : ($reply)) {
                next unless defined $r;
                my $off = 0;
                while ($off < length $r) {
                    my $n = syswrite($client, $r, length($r) - $off, $off);
                    last unless $n;
                    $off += $n;
                }
            }
        }

        if (defined $block->tcp_no_close) {
            sleep 1 while 1;
        }

        close $client;
        close $sock;
        POSIX::_exit(0);
    }

    $TcpServerPid = $pid;
    return ($sock, $query_file);
}

sub _start_udp_server ($) {
    my $block = shift;
    my $name = $block->name;
    my $reply = $block->udp_reply;
    bail_out("$name - no --- udp_reply specified but --- udp_listen is specified")
        unless defined $reply;

    my $query_file = defined $block->udp_query ? File::Temp::tmpnam() : undef;
    my $target = $block->udp_listen;
    my ($sock, $uds);

    if ($target =~ /^\d+$/) {
        $sock = IO::Socket::INET->new(
            LocalAddr => '127.0.0.1',
            LocalPort => $target,
            Proto     => 'udp',
            ReuseAddr => 1,
        ) or bail_out("$name - failed to create the udp listening socket: $!");
    } elsif ($target =~ m{\S+\.sock$}) {
        unlink $target if -e $target;
        $sock = IO::Socket::UNIX->new(Local => $target, Type => SOCK_DGRAM)
            or bail_out("$name - failed to create the udp unix socket: $!");
        $uds = $target;
    } else {
        bail_out("$name - bad udp_listen target: $target");
    }

    my $pid = fork();
    bail_out("$name - fork() failed: $!") unless defined $pid;

    if ($pid == 0) {
        $InSubprocess = 1;
        my $buf = '';
        my $peer = $sock->recv($buf, 65536);
        if ($query_file && open my $q, '>', $query_file) {
            binmode $q;
            print $q $buf;
            close $q;
        }
        my $delay = parse_time($block->udp_reply_delay);
        sleep $delay if $delay;
        $reply = $reply->($buf) if ref $reply eq 'CODE';
        for my $r (ref $reply eq 'ARRAY' ? @$reply : ($reply)) {
            next unless defined $r;
            if (defined $peer && length $peer) {
                send($sock, $r, 0, $peer);
            } else {
                $sock->send($r);
            }
        }
        POSIX::_exit(0);
    }

    $UdpServerPid = $pid;
    return ($sock, $query_file, $uds);
}

sub _run_mock_server_tests ($$$$) {
    my ($block, $tcp_sock, $tcp_qf, $udp_sock_qf) = @_;
    my $name = $block->name;

    if (defined $tcp_sock) {
        my $buf = '';
        if ($tcp_qf) {
            # the mock server writes what it has read; give it a moment
            for (1 .. 20) {
                last if -e $tcp_qf && defined $block->tcp_query_len
                        ? -s $tcp_qf >= $block->tcp_query_len : -e $tcp_qf;
                sleep 0.01;
            }
            $buf = _slurp($tcp_qf);
            unlink $tcp_qf;
        }
        if (defined $block->tcp_query) {
            is_str($buf, $block->tcp_query, "$name - tcp_query ok");
        }
        if (defined $block->tcp_query_len) {
            Test::More::is(length($buf), $block->tcp_query_len,
                           "$name - TCP query length ok");
        }
    }

    if ($udp_sock_qf && defined $block->udp_query) {
        my $buf = _slurp($udp_sock_qf);
        unlink $udp_sock_qf;
        is_str($buf, $block->udp_query, "$name - udp_query ok");
    }
}

#----------------------------------------------------------------------
# Driving the blocks
#----------------------------------------------------------------------

sub run_tests () {
    $NginxVersion = get_nginx_version();

    $ENV{TEST_NGINX_SERVER_PORT} = $ServerPort
        unless defined $ENV{TEST_NGINX_SERVER_PORT};
    $ENV{TEST_NGINX_PORT} = $ServerPort unless defined $ENV{TEST_NGINX_PORT};
    $ENV{TEST_NGINX_HTML_DIR} = $HtmlDir unless defined $ENV{TEST_NGINX_HTML_DIR};

    my @blocks = Test::Base::blocks();
    @blocks = shuffle @blocks unless $NoShuffle;

    for my $block (@blocks) {
        for my $hdl (@BlockPreprocessors) {
            $hdl->($block);
        }
        $block->set_value("name", $0 . " " . $block->name);
        run_test($block);
        $PrevBlock = $block unless $block->{skipped_block};
    }

    cleanup();
}

sub _version_skip ($$) {
    my ($spec, $kind) = @_;
    # "N: < 1.2.3 [: reason]"
    if ($spec =~ m{^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)(?:\s*:\s*(.*?))?\s*$}s) {
        my ($n, $op, @v) = ($1, $2, $3, $4, $5);
        my $reason = $6 || "nginx version $op $v[0].$v[1].$v[2]";
        my $ver = get_canon_version(@v);
        my $skip = (!defined $NginxVersion && $op =~ /^</)
                   || (defined $NginxVersion && eval "$NginxVersion $op $ver");
        return ($n, $skip, $reason);
    }
    return;
}

sub run_test ($) {
    my $block = shift;
    return if defined $block->SKIP;

    my $name = $block->name;

    my $first_time = $FirstTime;
    undef $FirstTime;

    my $rand_ports = {};
    my $config = expand_env_in_text($block->config, $name, $rand_ports);

    my $dry_run = 0;
    local $DryRunFails = 0;
    local $LogLevel = $LogLevel;
    $LogLevel = $block->log_level if $block->log_level;

    my $must_die = $block->must_die;

    my ($should_restart, $should_reconfig) = (1, 1);
    if (!defined $config) {
        if (!$NoNginxManager && !defined $PrevConfig) {
            bail_out("$name - No '--- config' section specified and could "
                     . "not get previous one. Use TEST_NGINX_NO_NGINX_MANAGER ?");
        }
        # reuse the server that is already running
        ($should_restart, $should_reconfig) = (0, 0);
    } elsif ($NoNginxManager) {
        Test::More::diag("NO_NGINX_MANAGER activated: config for $name ignored");
        ($should_restart, $should_reconfig) = (0, 0);
    } else {
        $should_reconfig = (!defined $PrevConfig || $config ne $PrevConfig) ? 1 : 0;
        $should_restart = ($should_reconfig || $ForceRestartOnTest) ? 1 : 0;
    }

    # --- skip_* / --- todo*
    my ($tests_to_skip, $should_skip, $skip_reason);

    if (defined(my $spec = $block->skip_eval)) {
        if ($spec =~ m{^\s*(\d+)\s*:\s*(.*)}s) {
            $tests_to_skip = $1;
            $skip_reason = "skip_eval";
            my $code = $2;
            $should_skip = eval $code;
            bail_out("$name - skip_eval - failed to eval the Perl code \"$code\": $@")
                if $@;
        }
    }

    if (defined(my $spec = $block->skip_nginx)) {
        my @r = _version_skip($spec, 'skip_nginx')
            or bail_out("$name - Invalid --- skip_nginx spec: $spec");
        ($tests_to_skip, my $skip, $skip_reason) = @r;
        $should_skip = 1 if $skip;

    } elsif (defined(my $spec2 = $block->skip_nginx2)) {
        if ($spec2 =~ m{^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)\s*(or|and)\s*
                        ([<>]=?)\s*(\d+)\.(\d+)\.(\d+)(?:\s*:\s*(.*?))?\s*$}xs) {
            $tests_to_skip = $1;
            my ($opa, $va, $opx, $opb, $vb) = ($2, get_canon_version($3, $4, $5),
                                               $6, $7, get_canon_version($8, $9, $10));
            $skip_reason = $11 || "nginx version";
            if (!defined $NginxVersion) {
                $should_skip = 1;
            } else {
                my $a = eval "$NginxVersion $opa $va";
                my $b = eval "$NginxVersion $opb $vb";
                $should_skip = 1 if $opx eq 'or' ? ($a || $b) : ($a && $b);
            }
        } else {
            bail_out("$name - Invalid --- skip_nginx2 spec: $spec2");
        }
    }

    if (defined(my $spec = $block->skip_openssl)) {
        if ($spec =~ m{^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)([a-z])?(?:\s*:\s*(.*?))?\s*$}s) {
            $tests_to_skip = $1;
            my ($op, @v) = ($2, $3, $4, $5, $6);
            $skip_reason = $7 || (defined $OpenSSLVersion
                                  ? "OpenSSL version $op $v[0].$v[1].$v[2]"
                                    . (defined $v[3] ? $v[3] : '')
                                  : "Not built with OpenSSL");
            my $ver = _canon_openssl_version(@v);
            $should_skip = 1 if !defined $OpenSSLVersion
                                || eval "$OpenSSLVersion $op $ver";
        } else {
            bail_out("$name - Invalid --- skip_openssl spec: $spec");
        }
    }

    $skip_reason = "various reasons" unless defined $skip_reason;

    my ($should_todo, $todo_reason);
    if (defined(my $spec = $block->todo_nginx)) {
        if ($spec =~ m{^\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)(?:\s*:\s*(.*?))?\s*$}s) {
            my ($op, @v) = ($1, $2, $3, $4);
            $todo_reason = $5;
            my $ver = get_canon_version(@v);
            $should_todo = 1 if (!defined $NginxVersion && $op =~ /^</)
                                || (defined $NginxVersion && eval "$NginxVersion $op $ver");
        } else {
            bail_out("$name - Invalid --- todo_nginx spec: $spec");
        }
    }
    if (defined(my $spec = $block->todo)) {
        if ($spec =~ m{^\s*(\d+)\s*:\s*(.*)}s) {
            ($should_todo, $tests_to_skip, $todo_reason) = (1, $1, $2);
        } else {
            bail_out("$name - Invalid --- todo spec: $spec");
        }
    }
    $todo_reason = "various reasons" unless defined $todo_reason;

    # --- (re)start the server
    if (!$NoNginxManager && !$should_skip && $should_restart) {
        $PrevConfig = $config if $should_reconfig;

        _stop_running_nginx($name);
        check_prev_block_shutdown_error_log();

        setup_server_root($first_time);
        write_user_files($block, $rand_ports);
        write_config_file($block, $config, $rand_ports);

        if (!can_run($NginxBinary)) {
            bail_out("$name - Cannot find the nginx executable \"$NginxBinary\"");
        }

        my $cmd = _nginx_cmd();
        $ErrLogFilePos = 0;

        if (defined $must_die) {
            for my $i (0 .. $RepeatEach - 1) {
                my ($status, $stderr) = _start_nginx($cmd);
                my $exit_code = $status == -1 ? undef : $status >> 8;
                my $coredump = $status != -1 && ($status & 128);

                if ($status == -1) {
                    Test::More::fail("$name - failed to execute the nginx command line");
                } elsif ($coredump) {
                    Test::More::fail("$name - nginx core dumped");
                } elsif (looks_like_number($must_die)) {
                    Test::More::is($exit_code, $must_die,
                                   "$name - die with the expected exit code");
                } else {
                    Test::More::isnt($status, 0, "$name - die as expected");
                }

                $ExtraErrLogLines = [split /^/m, $stderr];
                $CheckErrorLog->($block, undef, $dry_run, $i, 0);
                undef $ExtraErrLogLines;

                if ($status == 0) {
                    warn "WARNING: $name - nginx must die but it does not; "
                         . "killing it (req $i)\n";
                    for (1 .. 15) {
                        last if -f $PidFile;
                        sleep $TestNginxSleep;
                    }
                    _stop_running_nginx($name);
                }
            }
            return;
        }

        my ($status, $stderr) = _start_nginx($cmd);

        if ($status != 0
            && ($stderr . _slurp($ErrLogFile)) =~ /Address already in use|bind\(\) to .* failed/)
        {
            # a previous server may still hold the port: one retry
            sleep 0.5;
            _stop_running_nginx($name);
            ($status, $stderr) = _start_nginx($cmd);
        }

        # pass the start command's stderr through, as the real harness does
        print STDERR $stderr if $status == 0 && length $stderr;

        if ($status != 0) {
            my $directive;
            if ($ENV{TEST_NGINX_IGNORE_MISSING_DIRECTIVES}
                and $directive = check_if_missing_directives())
            {
                $dry_run = "the lack of directive $directive";
            } else {
                $dry_run = "nginx failed to start";
                $DryRunFails = 1;
                my $tail = _file_tail($ErrLogFile, 20);
                Test::More::diag("$name - Cannot start nginx using command \"$cmd\" "
                                 . "(status code $status).\n"
                                 . "--- tail of $ErrLogFile:\n$tail"
                                 . (length $stderr ? "--- stderr:\n$stderr" : ''));
            }
        }

        sleep $TestNginxSleep;
    }

    # --- requests
    if ($block->init) {
        eval $block->init;
        bail_out("$name - init failed: $@") if $@;
    }

    $ErrLogFilePos = 0;
    for my $i (1 .. $RepeatEach) {
        my ($tcp_sock, $tcp_qf, $udp_sock, $udp_qf, $uds);

        if (!$dry_run && defined $block->tcp_listen) {
            ($tcp_sock, $tcp_qf) = _start_tcp_server($block);
        }
        if (!$dry_run && defined $block->udp_listen) {
            ($udp_sock, $udp_qf, $uds) = _start_udp_server($block);
        }

        write_user_files($block, $rand_ports) if $i > 1 && -d $HtmlDir;

        if ($should_skip && defined $tests_to_skip) {
            my $tb = Test::More->builder;
            $tb->skip("$name - $skip_reason") for 1 .. $tests_to_skip;
            # its --- shutdown_error_log is among the skipped tests
            $block->{skipped_block} = 1;

        } elsif ($should_todo) {
            my $tb = Test::More->builder;
            $tb->todo_skip("$name - $todo_reason") for 1 .. ($tests_to_skip || 0);

        } else {
            $RunTestHelper->($block, $dry_run, $i - 1);

            if ($dry_run) {
                my $n = (defined $block->tcp_listen
                         ? (defined $block->tcp_query ? 1 : 0)
                           + (defined $block->tcp_query_len ? 1 : 0) : 0)
                        + (defined $block->udp_listen && defined $block->udp_query ? 1 : 0);
                dry_run_checks("$name - tests skipped due to $dry_run", $n) if $n;
            } else {
                _run_mock_server_tests($block, $tcp_sock, $tcp_qf, $udp_qf);
            }
        }

        if (defined $udp_sock) {
            if (defined $UdpServerPid) {
                kill_process($UdpServerPid, 1, $name);
                undef $UdpServerPid;
            }
            close $udp_sock;
            unlink $uds if defined $uds;
        }

        if (defined $tcp_sock) {
            if (defined $TcpServerPid) {
                kill_process($TcpServerPid, 1, $name);
                undef $TcpServerPid;
            }
            close $tcp_sock;
        }
    }

    if (my $total_errlog = $ENV{TEST_NGINX_ERROR_LOG}) {
        if (-s $ErrLogFile) {
            if (open my $out, '>>', $total_errlog) {
                print $out "\n=== $0 $name\n", _slurp($ErrLogFile);
                close $out;
            }
        }
    }
}

END {
    return if $InSubprocess;

    local $?;   # do not confuse Test::Builder's exit code handling

    cleanup();

    if (!$ENV{TEST_NGINX_NO_CLEAN} && !$NoNginxManager) {
        if (defined $PidFile && -f $PidFile) {
            my $pid = get_pid_from_pidfile('END');
            if ($pid && $pid =~ /^\d+$/ && is_running($pid)) {
                kill_process($pid, 1, "END");
            } else {
                unlink $PidFile;
            }
        }
    }

    check_prev_block_shutdown_error_log();
    reap_children();

    if ($Randomize && defined $ServRoot && $ServRoot =~ m{/t/servroot_\d+$}
        && !$ENV{TEST_NGINX_NO_CLEAN})
    {
        remove_tree($ServRoot);
    }
}

1;
