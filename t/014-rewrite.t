# The rewrite module: set, rewrite, break, return in config order.
use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: set then return, in order
--- config
    location = /t {
        set $a "hello";
        set $b "$a world";
        return 200 "$b\n";
    }
--- request
GET /t
--- response_body
hello world



=== TEST 2: set after return never runs
--- config
    location = /t {
        set $a "first";
        return 200 "$a\n";
        set $a "second";
    }
--- request
GET /t
--- response_body
first



=== TEST 3: server-level set is seen by the location
--- config
    set $srv "from-server";
    location = /t {
        return 200 "$srv\n";
    }
--- request
GET /t
--- response_body
from-server



=== TEST 4: set can change $args
--- config
    location = /t {
        set $args "a=1&b=2";
        return 200 "$arg_b $args\n";
    }
--- request
GET /t?x=9
--- response_body
2 a=1&b=2



=== TEST 5: rewrite ... last: the location is searched again
--- config
    location /old/ {
        rewrite ^/old/(.*)$ /new/$1 last;
        return 200 "not here\n";
    }
    location /new/ {
        return 200 "new: $uri\n";
    }
--- request
GET /old/page
--- response_body
new: /new/page



=== TEST 6: rewrite ... break: stops the codes and stays in the location with the new URI
--- config
    location /old/ {
        rewrite ^/old/(.*)$ /other/$1 break;
        return 200 "never\n";
    }
    location /other/ {
        return 200 "wrong\n";
    }
--- request
GET /old/x
--- error_code: 404
--- error_log eval
qr{open\(\) "\S+/html/other/x" failed}



=== TEST 7: rewrite ... redirect and permanent
--- config
    location = /r {
        rewrite ^ /target redirect;
    }
    location = /p {
        rewrite ^ /target permanent;
    }
--- request eval
["GET /r", "GET /p"]
--- error_code eval
[302, 301]
--- response_headers_like eval
["Location: http://localhost(:\\d+)?/target", "Location: http://localhost(:\\d+)?/target"]



=== TEST 8: a rewrite to a URL redirects, keeping the arguments
--- config
    location = /u {
        rewrite ^ http://example.com/x;
    }
--- request
GET /u?a=1
--- error_code: 302
--- response_headers
Location: http://example.com/x?a=1



=== TEST 9: rewrite with arguments keeps the original ones after its own
--- config
    location = /a {
        rewrite ^ /b?x=1 last;
    }
    location = /b {
        return 200 "$args\n";
    }
--- request
GET /a?y=2
--- response_body
x=1&y=2



=== TEST 10: a trailing "?" drops the original arguments
--- config
    location = /a {
        rewrite ^ /b? last;
    }
    location = /b {
        return 200 "[$args]\n";
    }
--- request
GET /a?y=2
--- response_body
[]



=== TEST 11: a rewrite without a flag goes on with the next directives, then searches again
--- config
    location /a {
        rewrite ^/a(.*)$ /b$1;
        set $seen "yes";
        return 200 "a\n";
    }
    location /b {
        return 200 "b $uri\n";
    }
--- request
GET /a/x
--- response_body
a



=== TEST 12: break stops the codes
--- config
    location = /t {
        set $a "1";
        break;
        set $a "2";
        return 200 "never\n";
    }
--- request
GET /t
--- error_code: 404



=== TEST 13: a rewrite loop ends in 500
--- config
    location /loop {
        rewrite ^ /loop last;
    }
--- request
GET /loop
--- error_code: 500
--- error_log
rewrite or internal redirection cycle while processing "/loop"



=== TEST 14: a non-matching rewrite changes nothing
--- config
    location = /t {
        rewrite ^/nomatch /x last;
        return 200 "$uri\n";
    }
--- request
GET /t
--- response_body
/t



=== TEST 15: set with an unknown variable fails at startup
--- config
    location = /t {
        set $a $nosuch;
    }
--- must_die
--- error_log
unknown "nosuch" variable



=== TEST 16: an invalid rewrite flag fails at startup
--- config
    location = /t {
        rewrite ^ /x bogus;
    }
--- must_die
--- error_log eval
qr/invalid parameter "bogus" in \S+nginx\.conf:\d+/



=== TEST 17: if on a variable's value
--- config
    location = /t {
        if ($arg_a) {
            return 200 "a set\n";
        }
        return 200 "a empty\n";
    }
--- request eval
["GET /t?a=1", "GET /t?a=0", "GET /t"]
--- response_body eval
["a set\n", "a empty\n", "a empty\n"]



=== TEST 18: if with = and !=
--- config
    location = /t {
        if ($request_method = POST) {
            return 405;
        }
        if ($arg_x != "yes") {
            return 200 "not yes\n";
        }
        return 200 "yes\n";
    }
--- request eval
["POST /t\nbody", "GET /t?x=yes", "GET /t?x=no"]
--- error_code eval
[405, 200, 200]
--- response_body_like eval
["405 Not Allowed", "^yes\n\$", "^not yes\n\$"]



=== TEST 19: if with a regex and its captures
--- config
    location /t {
        if ($uri ~ ^/t/(\w+)/(\d+)$) {
            return 200 "name=$1 id=$2\n";
        }
        if ($http_user_agent ~* bot) {
            return 403;
        }
        return 200 "plain\n";
    }
--- request eval
["GET /t/item/42", "GET /t/x"]
--- response_body eval
["name=item id=42\n", "plain\n"]



=== TEST 20: case-insensitive and negated regexes
--- config
    location = /t {
        if ($http_user_agent ~* bot) {
            return 403;
        }
        if ($http_x_token !~ ^secret$) {
            return 401;
        }
        return 200 "ok\n";
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- more_headers eval
["User-Agent: GoogleBOT\nX-Token: secret", "User-Agent: curl\nX-Token: nope", "User-Agent: curl\nX-Token: secret"]
--- error_code eval
[403, 401, 200]



=== TEST 21: file tests
--- config
    location = /t {
        if (-f $document_root/index.html) {
            set $r "file";
        }
        if (!-e $document_root/nosuch) {
            set $r "$r nosuch";
        }
        if (-d $document_root) {
            return 200 "$r dir\n";
        }
        return 200 "wrong\n";
    }
--- request
GET /t
--- response_body
file nosuch dir



=== TEST 22: if at the server level, set inside if
--- config
    if ($arg_deny) {
        return 403;
    }
    location = /t {
        set $v "default";
        if ($arg_v) {
            set $v $arg_v;
        }
        return 200 "$v\n";
    }
--- request eval
["GET /t?deny=1", "GET /t?v=given", "GET /t"]
--- error_code eval
[403, 200, 200]
--- response_body_like eval
["403 Forbidden", "^given\n\$", "^default\n\$"]



=== TEST 23: an invalid condition fails at startup
--- config
    location = /t {
        if ($a == b) {
            return 200;
        }
    }
--- must_die
--- error_log eval
qr/unexpected "==" in condition in \S+nginx\.conf:\d+/
