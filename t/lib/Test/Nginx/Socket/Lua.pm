package Test::Nginx::Socket::Lua;

# lua-nginx-module's test files say "use Test::Nginx::Socket::Lua;": this is
# Test::Nginx::Socket with the same exports.  Like the real module, it
# honours TEST_NGINX_INIT_BY_LUA: that Lua code is prepended to the block's
# init_by_lua (or added as a new init_by_lua directive) in --- http_config.

use strict;
use warnings;

use Test::Nginx::Socket -base;

our $VERSION = $Test::Nginx::Socket::VERSION;

if (my $code = $ENV{TEST_NGINX_INIT_BY_LUA}) {
    $code =~ s/\\/\\\\/g;
    $code =~ s/(['"])/\\$1/g;

    Test::Nginx::Socket::set_http_config_filter(sub {
        my $config = shift;
        return $config if $config =~ /init_by_lua_file/;
        if ($config !~ s{init_by_lua\s*(['"])((?:\\.|.)*?)\1\s*;}
                        {init_by_lua $1$code$2$1;}s)
        {
            $config .= "init_by_lua '$code';";
        }
        return $config;
    });
}

1;
