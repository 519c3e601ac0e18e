# Configuration parsing: nginx's exact [emerg] wording (with the
# "in FILE:LINE" suffix where nginx prints one) for bad configs, and the
# parser features a good config may use (include with globs and relative
# paths, quoting and escapes, ${var}, comments).
#
# Every message below was checked against the reference, Debian's nginx
# 1.22.1:
#   TEST_NGINX_BINARY=/usr/sbin/nginx \
#   TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so \
#       /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/010-config.t
#
# --- error_log of a --- must_die block is matched against error.log and
# the start command's stderr ("nginx: [emerg] ..."), so the patterns leave
# out the "nginx: " / "PID#TID: " prefixes.  The line number of a directive
# in the generated nginx.conf depends on the harness's template, so the
# main-file cases match "in .../conf/nginx.conf:\d+"; exact line numbers
# are checked through included files (written with --- user_files), whose
# lines we control.

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: unknown directive
--- config
    location = /t {
        foo bar;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*unknown directive "foo" in \S+/conf/nginx\.conf:\d+$}



=== TEST 2: unknown directive, exact FILE:LINE in an included file
--- config
    include $TEST_NGINX_HTML_DIR/bad/unknown.conf;
--- user_files
>>> bad/unknown.conf
# line 1: a comment
location = /t {
    return 200 "ok\n";
    foo_bar on;
}
--- must_die
--- error_log eval
qr{\[emerg\] .*unknown directive "foo_bar" in \S+/html/bad/unknown\.conf:4$}



=== TEST 3: directive names are case-sensitive
--- config
    location = /t {
        Return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*unknown directive "Return" in \S+/conf/nginx\.conf:\d+$}



=== TEST 4: "listen" in a location: not allowed here
--- config
    location = /t {
        listen 8080;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"listen" directive is not allowed here in \S+/conf/nginx\.conf:\d+$}



=== TEST 5: "location" at the http level: not allowed here
--- http_config
    location /nope {
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*"location" directive is not allowed here in \S+/conf/nginx\.conf:\d+$}



=== TEST 6: "server_name" in a location: not allowed here
--- config
    location = /t {
        server_name example.com;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"server_name" directive is not allowed here in \S+/conf/nginx\.conf:\d+$}



=== TEST 7: root with two arguments
--- config
    location = /t {
        root html other;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid number of arguments in "root" directive in \S+/conf/nginx\.conf:\d+$}



=== TEST 8: root without arguments
--- config
    location = /t {
        root;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid number of arguments in "root" directive in \S+/conf/nginx\.conf:\d+$}



=== TEST 9: return with three arguments
--- config
    location = /t {
        return 200 a b;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid number of arguments in "return" directive in \S+/conf/nginx\.conf:\d+$}



=== TEST 10: location without arguments
--- config
    location {
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid number of arguments in "location" directive in \S+/conf/nginx\.conf:\d+$}



=== TEST 11: missing ";" before "}"
--- config
    location = /t {
        root html }
--- must_die
--- error_log eval
qr{\[emerg\] .*unexpected "\}" in \S+/conf/nginx\.conf:\d+$}



=== TEST 12: missing ";" before "{"
--- config
    location = /t {
        root html {
        }
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*directive "root" is not terminated by ";" in \S+/conf/nginx\.conf:\d+$}



=== TEST 13: block directive without "{"
--- config
    location = /t;
--- must_die
--- error_log eval
qr{\[emerg\] .*directive "location" has no opening "\{" in \S+/conf/nginx\.conf:\d+$}



=== TEST 14: a stray ";"
--- config
    location = /t {
        ;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*unexpected ";" in \S+/conf/nginx\.conf:\d+$}



=== TEST 15: a quoted string followed by a quote without a space
--- config
    location = /t {
        return 200 "a""b";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*unexpected """ in \S+/conf/nginx\.conf:\d+$}



=== TEST 16: missing "}": unexpected end of file (included file, exact line)
--- config
    include $TEST_NGINX_HTML_DIR/bad/unclosed.conf;
--- user_files
>>> bad/unclosed.conf
location = /t {
    return 200 "ok\n";

--- must_die
--- error_log eval
qr{\[emerg\] .*unexpected end of file, expecting "\}" in \S+/html/bad/unclosed\.conf:3$}



=== TEST 17: extra "}" in an included file (exact line)
--- config
    include $TEST_NGINX_HTML_DIR/bad/extra.conf;
--- user_files
>>> bad/extra.conf
location = /t {
    return 200 "ok\n";
}
}
--- must_die
--- error_log eval
qr{\[emerg\] .*unexpected "\}" in \S+/html/bad/extra\.conf:4$}



=== TEST 18: unterminated double quote swallows the rest of the file
--- config
    location = /t {
        return 200 "abc;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*unexpected end of file, expecting ";" or "\}" in \S+/conf/nginx\.conf:\d+$}



=== TEST 19: unterminated single quote
--- config
    location = /t {
        return 200 'abc;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*unexpected end of file, expecting ";" or "\}" in \S+/conf/nginx\.conf:\d+$}



=== TEST 20: invalid flag value (a plain on/off flag)
--- config
    location = /t {
        tcp_nodelay maybe;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid value "maybe" in "tcp_nodelay" directive, it must be "on" or "off" in \S+/conf/nginx\.conf:\d+$}



=== TEST 21: invalid flag value of a main-level flag (-g is not used)
--- main_config
    pcre_jit maybe;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid value "maybe" in "pcre_jit" directive, it must be "on" or "off" in \S+/conf/nginx\.conf:\d+$}



=== TEST 22: server_tokens is an enum (on|off|build) in nginx: shorter message
--- config
    location = /t {
        server_tokens maybe;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid value "maybe" in \S+/conf/nginx\.conf:\d+$}



=== TEST 23: invalid size
--- config
    location = /t {
        client_max_body_size 10Q;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"client_max_body_size" directive invalid value in \S+/conf/nginx\.conf:\d+$}



=== TEST 24: invalid size (negative)
--- config
    location = /t {
        client_body_buffer_size -1;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"client_body_buffer_size" directive invalid value in \S+/conf/nginx\.conf:\d+$}



=== TEST 25: invalid time (bad unit)
--- config
    location = /t {
        send_timeout 5x;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"send_timeout" directive invalid value in \S+/conf/nginx\.conf:\d+$}



=== TEST 26: invalid time (keepalive_timeout, not a number)
--- config
    location = /t {
        keepalive_timeout abc;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"keepalive_timeout" directive invalid value in \S+/conf/nginx\.conf:\d+$}



=== TEST 27: invalid number
--- config
    location = /t {
        keepalive_requests abc;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"keepalive_requests" directive invalid number in \S+/conf/nginx\.conf:\d+$}



=== TEST 28: duplicate prefix location
--- config
    location /dup {
    }
    location /dup {
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*duplicate location "/dup" in \S+/conf/nginx\.conf:\d+$}



=== TEST 29: duplicate exact location
--- config
    location = /dup {
    }
    location = /dup {
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*duplicate location "/dup" in \S+/conf/nginx\.conf:\d+$}



=== TEST 30: an exact and a prefix location of the same name are no duplicates
--- config
    location = /same {
        return 200 "exact\n";
    }
    location /same {
        return 200 "prefix\n";
    }
--- request eval
["GET /same", "GET /samex"]
--- response_body eval
["exact\n", "prefix\n"]



=== TEST 31: duplicate directive
--- config
    location = /t {
        root a;
        root b;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"root" directive is duplicate in \S+/conf/nginx\.conf:\d+$}



=== TEST 32: duplicate listen
--- config
    listen $TEST_NGINX_SERVER_PORT;
--- must_die
--- error_log eval
qr{\[emerg\] .*a duplicate listen 0\.0\.0\.0:\d+ in \S+/conf/nginx\.conf:\d+$}



=== TEST 33: unknown variable (nginx prints no FILE:LINE for it)
--- config
    location = /t {
        return 200 $nosuchvar;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*unknown "nosuchvar" variable$}



=== TEST 34: unknown variable in ${...} inside a quoted string
--- config
    location = /t {
        return 200 "x ${nosuch_braced} y";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*unknown "nosuch_braced" variable$}



=== TEST 35: "$" at the end of a string
--- config
    location = /t {
        return 200 "abc$";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid variable name in \S+/conf/nginx\.conf:\d+$}



=== TEST 36: ${ without the closing bracket
--- config
    location = /t {
        return 200 "${uri";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*the closing bracket in "uri" variable is missing in \S+/conf/nginx\.conf:\d+$}



=== TEST 37: include of a missing file (absolute path)
--- config
    include $TEST_NGINX_HTML_DIR/no-such-file.conf;
--- must_die
--- error_log eval
qr{\[emerg\] .*open\(\) "\S+/html/no-such-file\.conf" failed \(2: No such file or directory\) in \S+/conf/nginx\.conf:\d+$}



=== TEST 38: include of a missing file: relative paths are taken from the conf dir
--- config
    include no-such-relative.conf;
--- must_die
--- error_log eval
qr{\[emerg\] .*open\(\) "\S+/conf/no-such-relative\.conf" failed \(2: No such file or directory\) in \S+/conf/nginx\.conf:\d+$}



=== TEST 39: invalid location modifier
--- config
    location !! /t {
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid location modifier "!!" in \S+/conf/nginx\.conf:\d+$}



=== TEST 40: location inside an exact location
--- config
    location = /a {
        location /a/b {
        }
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*location "/a/b" cannot be inside the exact location "/a" in \S+/conf/nginx\.conf:\d+$}



=== TEST 41: nested location outside its parent
--- config
    location /a {
        location /b {
        }
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*location "/b" is outside location "/a" in \S+/conf/nginx\.conf:\d+$}



=== TEST 42: nested named location
--- config
    location /a {
        location @x {
        }
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*named location "\@x" can be on the server level only in \S+/conf/nginx\.conf:\d+$}



=== TEST 43: bad regex, error at the end of the pattern (no "at" part)
--- config
    location ~ ( {
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*pcre2_compile\(\) failed: missing closing parenthesis in "\(" in \S+/conf/nginx\.conf:\d+$}



=== TEST 44: bad regex, error inside the pattern ("at" part)
--- config
    location ~ "a)b" {
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*pcre2_compile\(\) failed: unmatched closing parenthesis in "a\)b" at "\)b" in \S+/conf/nginx\.conf:\d+$}



=== TEST 45: invalid return code
--- config
    location = /t {
        return abc;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid return code "abc" in \S+/conf/nginx\.conf:\d+$}



=== TEST 46: error_page code out of range
--- config
    location = /t {
        error_page 99 /x;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*value "99" must be between 300 and 599 in \S+/conf/nginx\.conf:\d+$}



=== TEST 47: invalid port in listen
--- config
    listen notaport:abc;
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid port in "notaport:abc" of the "listen" directive in \S+/conf/nginx\.conf:\d+$}



=== TEST 48: duplicate main-level directive
--- main_config
    daemon off;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*"daemon" directive is duplicate in \S+/conf/nginx\.conf:\d+$}



=== TEST 49: a second http block after events is a duplicate
--- post_main_config
    http {
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*"http" directive is duplicate in \S+/conf/nginx\.conf:\d+$}



=== TEST 50: the line formats: error.log "DATE TIME [emerg] PID#TID: msg", stderr "NAME: [emerg] msg"; no [alert]/[crit]
--- config
    location = /t {
        foo bar;
    }
--- must_die
--- error_log eval
[
qr{^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[emerg\] \d+#\d+: unknown directive "foo" in \S+/conf/nginx\.conf:\d+$},
qr{^[\w.-]+: \[emerg\] unknown directive "foo" in \S+/conf/nginx\.conf:\d+$},
]
--- no_error_log
[alert]
[crit]



=== TEST 51: include with a glob (files included in sorted order)
--- config
    include $TEST_NGINX_HTML_DIR/inc/*.conf;
--- user_files
>>> inc/b.conf
location = /b {
    return 200 "b\n";
}
>>> inc/a.conf
location = /a {
    return 200 "a\n";
}
>>> inc/c.conf.skip
this is not a config file;
>>> inc/sub/d.conf
this is not included either;
--- request eval
["GET /a", "GET /b"]
--- response_body eval
["a\n", "b\n"]
--- no_error_log
[error]
[emerg]



=== TEST 52: include with a glob that matches nothing is fine
--- config
    include $TEST_NGINX_HTML_DIR/nothing-here-*.conf;
    location = /t {
        return 200 "ok\n";
    }
--- request
GET /t
--- response_body
ok



=== TEST 53: include with a relative path (relative to the conf dir)
--- config
    include ../html/rel/loc.conf;
--- user_files
>>> rel/loc.conf
location = /rel {
    return 200 "relative include\n";
}
--- request
GET /rel
--- response_body
relative include



=== TEST 54: nested include (an included file includes another one)
--- config
    include $TEST_NGINX_HTML_DIR/n1.conf;
--- user_files
>>> n1.conf
location = /n1 {
    return 200 "n1\n";
}
include ../html/n2.conf;
>>> n2.conf
location = /n2 {
    return 200 "n2\n";
}
--- request eval
["GET /n1", "GET /n2"]
--- response_body eval
["n1\n", "n2\n"]



=== TEST 55: include at the http level (server blocks in the file)
--- http_config
    include $TEST_NGINX_HTML_DIR/http-level.conf;
--- user_files
>>> http-level.conf
# a comment in an included file
log_format  inc_fmt  '$remote_addr $request';
--- config
    location = /t {
        return 200 "ok\n";
    }
--- request
GET /t
--- response_body
ok



=== TEST 56: double-quoted escapes \" \\ \t \n; other backslashes are kept
--- config
    location = /t {
        return 200 "q=\" bs=\\ tab=\t x=\x d=\d end\n";
    }
--- request
GET /t
--- response_body eval
"q=\" bs=\\ tab=\t x=\\x d=\\d end\n"



=== TEST 57: single-quoted strings: \' and \n escapes, variables expanded
--- config
    location = /t {
        return 200 'it\'s $uri\n';
    }
--- request
GET /t
--- response_body
it's /t



=== TEST 58: ${var} next to letters, $var ended by a non-word char
--- config
    location = /t {
        return 200 "[${uri}abc][$uri.x][${request_method}_$request_method]\n";
    }
--- request
GET /t
--- response_body
[/tabc][/t.x][GET_GET]



=== TEST 59: "#", ";", "{" and "}" inside quotes are plain text
--- config
    location = /t {
        return 200 "a # not a comment; {b} 'c'\n";
    }
--- request
GET /t
--- response_body
a # not a comment; {b} 'c'



=== TEST 60: comments anywhere, directives over several lines, several per line
--- config
    # a comment line with "quotes" and ; { }
    location = /t {   # after a brace
        # indented comment
        default_type
            text/plain;   root html; # two directives on a line
        return
            200
            "multi\n"   # a comment between the arguments and the ;
            ;
    }#no space before the comment
--- request
GET /t
--- response_body
multi
--- no_error_log
[emerg]



=== TEST 61: a quoted directive name and quoted arguments
--- config
    location = /t {
        "return" '200' "quoted name\n";
    }
--- request
GET /t
--- response_body
quoted name



=== TEST 62: unquoted argument with a backslash-escaped space (kept as is)
--- config
    location = /t {
        return 200 a\ b;
    }
--- request
GET /t
--- response_body chomp
a\ b



=== TEST 63: empty quoted argument
--- config
    location = /t {
        return 200 "";
    }
--- request
GET /t
--- response_body eval
""



=== TEST 64: size and time units
--- config
    location = /t {
        client_max_body_size 1m;
        client_body_buffer_size 16K;
        send_timeout 1m30s;
        keepalive_timeout 75s 60;
        client_body_timeout 500ms;
        return 200 "units ok\n";
    }
--- request
GET /t
--- response_body
units ok
