# ngx.shared.DICT across processes: a master and two workers share every
# dict. The "--- init" of a block (Perl, run once the server is up) fires
# concurrent requests from forked clients (plain sockets, no Lua); the
# block's own request then reads the result. The last blocks reload the
# server (SIGHUP) from "--- init" and check that the new workers see the
# dicts of the old ones, unless a dict changed size. Every block also
# passes on nginx + lua-nginx-module:
#   prove -It/lib t/051-shdict-workers.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/051-shdict-workers.t

use Test::Nginx::Socket;

use IO::Socket::INET;
use POSIX ();
use Time::HiRes ();

master_on();
workers(2);
repeat_each(1);
plan tests => repeat_each() * 15;   # see the counting rules in Socket.pm
no_long_string();

# One request on its own connection: (status, body), or () when
# the server could not be reached within 10 s.
sub http_get {
    my ($path) = @_;

    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $ServerPort,
                                     Proto => 'tcp', Timeout => 10)
        or return ();

    $sock->autoflush(1);
    # HTTP/1.0: no chunked body to decode
    print $sock "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";

    my $resp = '';
    my $deadline = time + 10;
    while (time < $deadline) {
        my $n = sysread($sock, my $buf, 65536);
        last if !$n;
        $resp .= $buf;
    }
    close $sock;

    my ($status) = $resp =~ m{^HTTP/1\.\d (\d+)} or return ();
    my ($body) = $resp =~ m{\r\n\r\n(.*)\z}s;

    return ($status, defined $body ? $body : '');
}

# $clients processes send $each requests each, at the same time; dies
# unless every one got a 200
sub fire {
    my ($path, $clients, $each) = @_;
    my @pids;

    for my $c (1 .. $clients) {
        my $pid = fork;
        die "fork: $!" unless defined $pid;

        if ($pid == 0) {
            my $bad = 0;
            for (1 .. $each) {
                my ($status, $body) = http_get($path);
                next if defined $status && $status == 200;
                warn "$path: " . (defined $status ? "status $status: $body"
                                                  : "no response") . "\n"
                    unless $bad++;
            }
            POSIX::_exit($bad ? 1 : 0);
        }

        push @pids, $pid;
    }

    my $failed = 0;
    for my $pid (@pids) {
        waitpid($pid, 0);
        $failed++ if $?;
    }

    die "$failed of $clients clients saw errors on $path\n" if $failed;
}

# SIGHUP to the master; returns once a worker started after it answers
# $path?new=PID,PID (the handler must answer "new" from such a worker)
sub reload_and_wait {
    my ($path) = @_;

    my $log = "$ServRoot/logs/error.log";
    my $from = -s $log || 0;

    open my $in, '<', "$ServRoot/logs/nginx.pid" or die "pid file: $!";
    my $master = <$in>;
    close $in;
    chomp $master;

    kill 'HUP', $master or die "kill HUP $master: $!";

    my $deadline = Time::HiRes::time() + 10;
    while (Time::HiRes::time() < $deadline) {
        Time::HiRes::sleep(0.05);

        open my $fh, '<', $log or next;
        seek $fh, $from, 0;
        my @new;
        while (my $line = <$fh>) {
            push @new, $1 if $line =~ /start worker process (\d+)/;
        }
        close $fh;

        next unless @new;

        my ($status, $body) = http_get("$path?new=" . join(',', @new));
        return if defined $status && $status == 200 && $body =~ /^new/;
    }

    die "no new worker answered after the reload\n";
}

run_tests();

__DATA__

=== TEST 1: concurrent incr from both workers adds up exactly
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /incr {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            for i = 1, 1000 do
                dogs:incr("n", 1, 0)
            end
            dogs:incr("pid:" .. ngx.worker.pid(), 1, 0)
            ngx.say("ok")
        }
    }
    location = /total {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            local workers, requests = 0, 0
            for _, k in ipairs(dogs:get_keys(0)) do
                if k:sub(1, 4) == "pid:" then
                    workers = workers + 1
                    requests = requests + dogs:get(k)
                end
            end
            ngx.say("n: ", dogs:get("n"))
            ngx.say("requests: ", requests)
            ngx.say("both workers: ", workers == 2)
        }
    }
--- init
main::fire("/incr", 8, 25);
--- request
GET /total
--- response_body
n: 200000
requests: 200
both workers: true
--- no_error_log
[error]



=== TEST 2: add is atomic: every key is won once
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /add {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            local pid = ngx.worker.pid()
            local wins = 0
            for round = 1, 20 do
                for i = 1, 100 do
                    if dogs:add(round .. ":" .. i, pid) then
                        wins = wins + 1
                    end
                end
            end
            dogs:incr("wins", wins, 0)
            ngx.say("ok")
        }
    }
    location = /total {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            ngx.say("wins: ", dogs:get("wins"))
            ngx.say("keys: ", #dogs:get_keys(0))
        }
    }
--- init
main::fire("/add", 8, 5);
--- request
GET /total
--- response_body
wins: 2000
keys: 2001
--- no_error_log
[error]



=== TEST 3: lists shared by producers and consumers in both workers
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /work {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            for i = 1, 100 do
                dogs:rpush("queue", i)
            end
            local popped = 0
            for i = 1, 50 do
                if dogs:lpop("queue") then
                    popped = popped + 1
                end
            end
            dogs:incr("popped", popped, 0)
            ngx.say("ok")
        }
    }
    location = /total {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            ngx.say("left: ", dogs:llen("queue"))
            ngx.say("popped: ", dogs:get("popped"))
        }
    }
--- init
main::fire("/work", 8, 5);
--- request
GET /total
--- response_body
left: 2000
popped: 2000
--- no_error_log
[error]



=== TEST 4: a reload keeps the dicts; new workers see the old data
--- http_config
    lua_shared_dict dogs 1m;
    init_by_lua_block {
        -- runs in the master at every (re)load, on the dict it keeps
        ngx.shared.dogs:incr("inits", 1, 0)
    }
--- config
    location = /set {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:set("persist", "kept")
            dogs:incr("n", 42, 0)
            dogs:rpush("list", "item")
            ngx.say("ok")
        }
    }
    location = /check {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            local me = tostring(ngx.worker.pid())
            for pid in ngx.var.arg_new:gmatch("%d+") do
                if pid == me then
                    dogs:set("seen by a new worker",
                             dogs:get("persist") .. " " .. dogs:get("n")
                             .. " " .. dogs:llen("list") .. " "
                             .. dogs:get("inits"))
                    ngx.say("new")
                    return
                end
            end
            ngx.say("old")
        }
    }
    location = /get {
        content_by_lua_block {
            ngx.say(ngx.shared.dogs:get("seen by a new worker"))
        }
    }
--- init
main::fire("/set", 1, 1);
main::reload_and_wait("/check");
--- request
GET /get
--- response_body
kept 42 1 2
--- no_error_log
[error]



=== TEST 5: a reload that resizes a dict starts it empty; a new dict works
--- http_config
    lua_shared_dict dogs 1m;
    lua_shared_dict cats 1m;
--- config
    location = /set {
        content_by_lua_block {
            ngx.shared.dogs:set("k", "woof")
            ngx.shared.cats:set("k", "meow")
            ngx.say("ok")
        }
    }
    location = /check {
        content_by_lua_block {
            local me = tostring(ngx.worker.pid())
            for pid in ngx.var.arg_new:gmatch("%d+") do
                if pid == me then
                    local birds = ngx.shared.birds
                    ngx.shared.dogs:set("seen",
                        tostring(ngx.shared.dogs:get("k")) .. " "
                        .. tostring(ngx.shared.cats:get("k")) .. " "
                        .. ngx.shared.cats:capacity() .. " "
                        .. tostring(birds and birds:set("k", 1)))
                    ngx.say("new")
                    return
                end
            end
            ngx.say("old")
        }
    }
    location = /get {
        content_by_lua_block {
            ngx.say(ngx.shared.dogs:get("seen"))
        }
    }
--- init
main::fire("/set", 1, 1);
{
    my $conf = "$ServRoot/conf/nginx.conf";
    open my $in, '<', $conf or die "$conf: $!";
    local $/;
    my $text = <$in>;
    close $in;
    $text =~ s/lua_shared_dict cats 1m;/lua_shared_dict cats 2m;\n    lua_shared_dict birds 1m;/
        or die "no cats in $conf";
    open my $out, '>', $conf or die "$conf: $!";
    print $out $text;
    close $out;
}
main::reload_and_wait("/check");
--- request
GET /get
--- response_body
woof nil 2097152 true
--- no_error_log
[error]
