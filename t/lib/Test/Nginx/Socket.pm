package Test::Nginx::Socket;

# moxy's Test::Nginx::Socket: runs test files in the Test::Nginx::Socket
# block format (openresty/test-nginx) unchanged, against moxy or any nginx.
# Our own code, written from the Test::Nginx contract notes and from the
# behaviour of the real module.  The server side (nginx.conf, start/stop,
# logs, mock tcp/udp servers) is in Test::Nginx::Util.
#
# HOW TESTS ARE COUNTED (the same as the real Test::Nginx, so that
# "plan tests => repeat_each() * (blocks() * N)" lines keep working).
# For every block, repeat_each() times:
#   per response (1 for --- request, one per element of "--- request eval
#   [...]", one per element of --- pipelined_requests), unless
#   --- ignore_response:
#     --- error_code / error_code_like (or the implicit 200) ...... 1
#     --- raw_response_headers_like .............................. 1
#     --- raw_response_headers_unlike ............................ 1
#     --- response_headers: one per distinct header name (a "!Name" line
#         counts 1); --- response_headers_like only when there is no
#         --- response_headers, again one per header name
#     --- response_body (or response_body eval) .................. 1
#       else --- response_body_like or response_body_unlike ...... 1
#   after every response but the last, and once more at the end:
#     --- grep_error_log (+ grep_error_log_out) .................. 1
#     --- error_log: one per pattern (line, or element of an eval array)
#     --- no_error_log: one per pattern
#     --- access_log / --- no_access_log: one per pattern (not with
#         --- ignore_response)
#   once at the end: --- stap ........................... 1 (always skipped)
#   --- tcp_listen: tcp_query 1, tcp_query_len 1; --- udp_listen: udp_query 1
# --- must_die blocks: 1 ("die as expected" or the exit code given) plus
#   the error-log checks above; no request is sent.
# --- skip_nginx / skip_nginx2 / skip_openssl / skip_eval "N: ..." : N skips
#   (per repeat) instead of the block when the condition holds.
# Extra failing tests (with Test::Builder's no_ending set, like the real
# module) are emitted for a client timeout, a refused connection, a bad
# chunked body, every "Assertion ... failed", "ERROR: AddressSanitizer",
# "SUMMARY: UndefinedBehaviorSanitizer" or "FILE:LINE:COL: runtime error:"
# (UBSan's report) line in error.log, and every further
# error.log line matched by a --- no_error_log pattern.
# When nginx is started but a directive is unknown and
# TEST_NGINX_IGNORE_MISSING_DIRECTIVES is set, all the block's tests are
# skipped (same count).  When nginx cannot be started for any other reason,
# all the block's tests fail (same count) and the error log tail is shown.
# A --- shutdown_error_log block adds one test per pattern (plus one per
# --- no_shutdown_error_log pattern), checked when the server is next
# stopped.
#
# DIFFERENCES FROM THE REAL Test::Nginx
#   - Blocks run in file order (set TEST_NGINX_SHUFFLE=1 to shuffle).
#   - A failed start fails the block at once (one retry only when the port
#     is still in use) instead of retrying for 30 s and bailing out.
#   - Connecting is retried for ~1.7 s (not ~45 s).
#   - --- must_die also matches --- error_log against the stderr of the start
#     command; the start command's stderr is captured and re-printed.
#   - When an expectation is a scalar where the real module wants an array
#     (several requests), the scalar applies to every response; for
#     --- pipelined_requests a scalar --- response_body(_like) is checked once
#     against the concatenation of all the response bodies.
#   - The response is parsed without HTTP::Response (no libwww needed); for
#     HEAD requests no body is read.
#   - Long strings are compared with Test::Base's is() (a diff) rather than
#     Test::LongString.
#   - Not implemented: HUP mode, valgrind, stap, check-leak, benchmark,
#     http2/http3 (curl), mockeagain.
#   - Extensions: port() (= server_port()), $ServRoot/$ServerPort/$ServerAddr
#     exported, $TEST_NGINX_HTML_DIR/$TEST_NGINX_PORT defaulted, default binary
#     build/moxy of the repository, ">>> file 644" sets permissions in
#     --- user_files.

use strict;
use warnings;

use Test::Base -base;

our $VERSION = '0.32';

use Digest::MD5 ();
use Digest::SHA ();
use Encode ();
use IO::Socket::INET ();
use POSIX qw(EAGAIN EINTR);
use Time::HiRes qw(sleep);

use Test::Nginx::Util;

our @EXPORT = qw(
    env_to_nginx is_str plan run_tests run_test repeat_each config_preamble
    worker_connections master_process_enabled no_long_string workers
    master_on master_off log_level no_shuffle no_root_location use_hup
    server_name server_addr server_root html_dir server_port
    server_port_for_client timeout no_nginx_manager check_accum_error_log
    add_block_preprocessor bail_out add_cleanup_handler
    add_response_body_check port
    $ServerPort $ServerAddr $ServRoot $ServerPortForClient $NginxVersion
    $NginxBinary
);

our @ResponseBodyChecks;

sub _value_contains ($$);

$RunTestHelper         = \&run_test_helper;
$CheckErrorLog         = \&check_error_log;
$CheckShutdownErrorLog = \&check_shutdown_error_log;

sub set_http_config_filter ($) {
    $FilterHttpConfig = shift;
}

sub add_response_body_check ($) {
    push @ResponseBodyChecks, shift;
}

sub _no_ending () {
    Test::More->builder->no_ending(1);
}

#----------------------------------------------------------------------
# Building requests
#----------------------------------------------------------------------

# "METHOD [URI [VERSION]]\n[body]"
sub parse_request ($$) {
    my ($name, $rreq) = @_;
    my $s = $$rreq;
    $s = '' unless defined $s;

    my ($first, $content) = $s =~ /\A([^\n]*\n?)(.*)\z/s;
    if (!defined $first || $first eq '') {
        bail_out("$name - Request line should be non-empty");
    }

    if ($first !~ /^(\s*)(\S+) *(?:(\S+) *)?(?:(\S+) *)?\s*$/) {
        bail_out("$name - Request line is not valid. Should be "
                 . "'meth [url [version]]' but got \"$first\".");
    }

    my ($lead, $meth, $url, $ver) = ($1, $2, $3, $4);

    return {
        method        => $meth,
        url           => defined $url ? $url : '/',
        http_ver      => defined $ver ? $ver : 'HTTP/1.1',
        first_len     => length $first,
        content       => defined $content ? $content : '',
    };
}

sub parse_more_headers ($) {
    my ($in) = @_;
    my $out = '';
    my $is_chunked;
    for my $header (split /\n+/, defined $in ? $in : '') {
        next if $header =~ /^\s*\#/;
        my ($key, $val) = split /:\s*/, $header, 2;
        $val = '' unless defined $val;
        $is_chunked = 1 if lc($key) eq 'transfer-encoding' && $val eq 'chunked';
        $out .= "$key: $val\r\n";
    }
    return ($out, $is_chunked);
}

# Takes the request as a list of packets (strings), returns the packets
# of the full HTTP request: request line completed, Host / Connection /
# Content-Length added, the packet boundaries kept where they were.
sub build_request_from_packets ($$$$$) {
    my ($name, $more_headers, $is_chunked, $conn_header, $packets) = @_;

    my @pk = map { defined $_ ? $_ : '' } @$packets;
    my $raw = join '', @pk;
    my $req = parse_request($name, \$raw);

    my $orig_content = $req->{content};
    my $content = $orig_content;
    my $lead_trimmed = 0;
    my $len_header = '';

    if (!$is_chunked && $content ne ''
        && $more_headers !~ /(?:^|\n)Content-Length:/)
    {
        $content =~ /\A(\s*)/;
        $lead_trimmed = length $1;
        $content =~ s/^\s+|\s+$//gs;
        $len_header = "Content-Length: " . length($content) . "\r\n";
    }

    (my $mh = $more_headers) =~ s/(?<!\r)\n/\r\n/gs;

    my $headers = '';
    $headers .= "Host: $ServerName\r\n" if $mh !~ /(?:^|\n)Host:/msi;
    $headers .= "Connection: $conn_header\r\n" if $mh !~ /(?:^|\n)Connection/msi;
    $headers .= "$mh$len_header\r\n";

    my $line = "$req->{method} $req->{url} $req->{http_ver}\r\n";
    my $head = $line . $headers;
    my $out = $head . $content;

    return [$out] if @pk <= 1;

    # map the original packet boundaries onto the new request
    my $first_len = $req->{first_len};
    my @cuts;
    my $pos = 0;
    for my $i (0 .. $#pk - 1) {
        $pos += length $pk[$i];
        my $new;
        if ($pos < $first_len) {
            my $max = length($line) - 2;
            $new = $pos < $max ? $pos : $max;
        } elsif ($pos == $first_len) {
            $new = length $head;
        } else {
            my $off = $pos - $first_len - $lead_trimmed;
            $off = 0 if $off < 0;
            $off = length $content if $off > length $content;
            $new = length($head) + $off;
        }
        $new = $cuts[-1] if @cuts && $new < $cuts[-1];
        push @cuts, $new;
    }

    my @res;
    my $prev = 0;
    for my $c (@cuts, length $out) {
        push @res, substr($out, $prev, $c - $prev);
        $prev = $c;
    }
    return \@res;
}

sub _headers_for ($$$) {
    my ($name, $more_headers, $i) = @_;
    if (ref $more_headers eq 'ARRAY') {
        my $hdr = $more_headers->[$i];
        bail_out("$name - --- more_headers lacks data for the ${i}th request")
            unless defined $hdr;
        return parse_more_headers($hdr);
    }
    return parse_more_headers($more_headers);
}

# Returns a list of requests; each request is a list of packets
# { value => STRING, delay_before => SECONDS? } sent on one connection.
sub get_req_from_block ($) {
    my ($block) = @_;
    my $name = $block->name;
    my @req_list;

    if (defined $block->raw_request) {
        my $raw = $block->raw_request;
        if (ref $raw && ref $raw eq 'ARRAY') {
            push @req_list, [map { ref $_ eq 'HASH' ? {%$_} : { value => $_ } } @$raw];
        } else {
            push @req_list, [{ value => $raw }];
        }
        return \@req_list;
    }

    my $request;
    if (defined $block->request_eval) {
        $request = eval $block->request_eval;
        warn $@ if $@;
    } else {
        $request = $block->request;
        if (defined $request && !ref $request) {
            1 while $request =~ s/^\s*\#[^\n]+\s+|^\s+//gs;
        }
    }

    my $more_headers = $block->more_headers;
    $more_headers = '' unless defined $more_headers;

    if ($block->pipelined_requests) {
        my $reqs = $block->pipelined_requests;
        if (!ref $reqs || ref $reqs ne 'ARRAY') {
            bail_out("$name - invalid entries in --- pipelined_requests");
        }
        my $all = '';
        for my $i (0 .. $#$reqs) {
            my $conn = $i == $#$reqs ? 'close' : 'keep-alive';
            my ($hdr, $chunked) = _headers_for($name, $more_headers, $i);
            my $r = build_request_from_packets($name, $hdr, $chunked, $conn,
                                               [$reqs->[$i]]);
            $all .= join '', @$r;
        }
        push @req_list, [{ value => $all }];
        return \@req_list;
    }

    if (!ref $request) {
        my ($hdr, $chunked) = _headers_for($name, $more_headers, 0);
        my $r = build_request_from_packets($name, $hdr, $chunked, 'close', [$request]);
        push @req_list, [{ value => $r->[0] }];

    } elsif (ref $request eq 'ARRAY') {
        my $i = 0;
        for my $one (@$request) {
            my ($hdr, $chunked) = _headers_for($name, $more_headers, $i);
            if (!ref $one) {
                my $r = build_request_from_packets($name, $hdr, $chunked, 'close', [$one]);
                push @req_list, [{ value => $r->[0] }];

            } elsif (ref $one eq 'ARRAY') {
                my @meta;
                my @strs;
                for my $p (@$one) {
                    if (!ref $p) {
                        push @strs, $p;
                        push @meta, {};
                    } elsif (ref $p eq 'HASH') {
                        push @strs, $p->{value};
                        push @meta, {%$p};
                    } else {
                        bail_out("$name - Invalid syntax. $p should be a string or hash with value.");
                    }
                }
                my $r = build_request_from_packets($name, $hdr, $chunked, 'close', \@strs);
                my @pk;
                for my $j (0 .. $#$r) {
                    my %m = %{ $meta[$j] || {} };
                    $m{value} = $r->[$j];
                    push @pk, \%m;
                }
                push @req_list, \@pk;

            } else {
                bail_out("$name - Invalid syntax. $one should be a string or an array of packets.");
            }
            $i++;
        }

    } else {
        bail_out("$name - invalid ---request : MUST be string or array of requests");
    }

    return \@req_list;
}

#----------------------------------------------------------------------
# Sending a request, reading the response
#----------------------------------------------------------------------

sub send_request ($$$$) {
    my ($req, $middle_delay, $timeout, $block) = @_;
    my $name = $block->name;

    my @pieces = map { {%$_} } @$req;
    my $whole = join '', map { defined $_->{value} ? $_->{value} : '' } @pieces;
    my $head_req = $whole =~ /^\s*HEAD\s+/ ? 1 : 0;

    my $addr = $block->server_addr_for_client;
    $addr = $ServerAddr unless defined $addr;

    my ($sock, $err);
    for (my $tries = 1; ; $tries++) {
        $sock = IO::Socket::INET->new(
            PeerAddr => $addr,
            PeerPort => $ServerPortForClient,
            Proto    => 'tcp',
            Timeout  => $timeout,
        );
        last if $sock;
        $err = $!;
        last if $tries > 8;
        my $wait = (sleep_time() + sleep_time() * $tries) * $tries / 2;
        $wait = 0.5 if $wait > 0.5;
        sleep $wait;
    }

    if (!$sock) {
        _no_ending();
        Test::More::fail("$name - Can't connect to $addr:$ServerPortForClient: "
                         . "$err (aborted)\n");
        return (undef, $head_req);
    }

    $sock->blocking(0);
    local $SIG{PIPE} = 'IGNORE';

    my $fd = fileno $sock;
    my $resp = '';
    my $write_err;
    my $cur = shift @pieces;
    my $wbuf = defined $cur->{value} ? $cur->{value} : '';
    my $woff = 0;
    my ($reading, $writing) = (1, 1);

    while ($reading) {
        my $rin = '';
        vec($rin, $fd, 1) = 1;
        my $win = '';
        vec($win, $fd, 1) = 1 if $writing;

        my $n = select(my $rout = $rin, my $wout = $writing ? $win : undef,
                       undef, $timeout);

        if (!defined $n || $n < 0) {
            next if $!{EINTR};
            warn "WARNING: $name - select() failed: $!\n";
            last;
        }

        if ($n == 0) {
            if (!defined $block->abort) {
                _no_ending();
                Test::More::fail("ERROR: client socket timed out - $name\n");
            } else {
                sleep 0.005;
            }
            last;
        }

        if ($writing && vec($wout, $fd, 1)) {
            while (1) {
                my $rest = length($wbuf) - $woff;
                if ($rest > 0) {
                    my $w = syswrite($sock, $wbuf, $rest, $woff);
                    if (!defined $w) {
                        last if $!{EAGAIN} || $!{EWOULDBLOCK};
                        $write_err = "write failed: $!";
                        warn "$write_err\n";
                        $writing = 0;
                        last;
                    }
                    $woff += $w;
                    next;
                }

                my $next = shift @pieces;
                if (!defined $next) {
                    $writing = 0;
                    my $how = $block->shutdown;
                    if (defined $how) {
                        $how = 1 if $how =~ /^\s*$/s;
                        shutdown($sock, $how);
                    }
                    last;
                }

                $wbuf = defined $next->{value} ? $next->{value} : '';
                $woff = 0;
                my $wait = defined $next->{delay_before}
                           ? $next->{delay_before} : $middle_delay;
                sleep $wait if $wait;
            }
        }

        if (vec($rout, $fd, 1)) {
            while (1) {
                my $buf;
                my $r = sysread($sock, $buf, 16384);
                if (!defined $r) {
                    last if $!{EAGAIN} || $!{EWOULDBLOCK};
                    warn "WARNING: $name - HTTP response read failure: $!\n";
                    $reading = 0;
                    last;
                }
                if ($r == 0) {
                    $reading = 0;
                    last;
                }
                $resp .= $buf;
            }
        }
    }

    close $sock;

    $resp = $write_err if $resp eq '' && defined $write_err;
    return ($resp, $head_req);
}

sub parse_response ($$$) {
    my ($name, $raw_resp, $head_req) = @_;

    my $raw_headers = '';
    $raw_headers = $1 if $raw_resp =~ /(.*?\r\n)\r\n/s;

    my $res = Test::Nginx::Socket::Response->parse($raw_resp);
    my $code = $res->code;
    if (defined $code && $code !~ /^\d+$/) {
        undef $code;
        $res->code(undef);
    }

    return ($res, $raw_headers) if $code && ($code == 304 || $code == 101);

    if ($head_req) {
        my $left = $res->content;
        $res->content('');
        return ($res, $raw_headers, length $left ? $left : undef);
    }

    my $enc = $res->header('Transfer-Encoding');
    my $len = $res->header('Content-Length');
    my $left;

    if (defined $enc && $enc eq 'chunked') {
        my $raw = $res->content;
        $raw = '' unless defined $raw;
        my $decoded = '';
        pos($raw) = 0;
        while (1) {
            if ($raw =~ /\G 0 [\ \t]* \r\n \r\n /gcsx) {
                $left = $1 if $raw =~ /\G (.+) /gcsx;
                last;
            }
            if ($raw =~ /\G [\ \t]* ([A-Fa-f0-9]+) [\ \t]* \r\n /gcsx) {
                my $size = hex $1;
                my $p = pos $raw;
                if (length($raw) - $p < $size) {
                    _no_ending();
                    Test::More::fail("$name - invalid chunked data received "
                                     . "(not enought octets for the data section)");
                    return;
                }
                $decoded .= substr($raw, $p, $size);
                pos($raw) = $p + $size;
                if ($raw !~ /\G\r\n/gcs) {
                    _no_ending();
                    Test::More::fail("$name - invalid chunked data received (expected CRLF).");
                    return;
                }
            } elsif ($raw =~ /\G(.+)/gcs) {
                _no_ending();
                Test::More::fail("$name - invalid chunked body received: $1");
                return;
            } else {
                _no_ending();
                Test::More::fail("$name - no last chunk found - $raw");
                return;
            }
        }
        $res->content($decoded);

    } elsif (defined $len && $len =~ /^\s*(\d+)\s*$/) {
        $len = $1;
        my $raw = $res->content;
        if (length $raw < $len) {
            warn "WARNING: $name - response body truncated: $len expected, "
                 . "but got ", length $raw, "\n";
        } elsif (length $raw > $len) {
            $left = substr $raw, $len;
            $res->content(substr $raw, 0, $len);
        }
    }

    return ($res, $raw_headers, $left);
}

#----------------------------------------------------------------------
# Running one block
#----------------------------------------------------------------------

sub run_filter_helper ($$$) {
    my ($block, $filter, $content) = @_;
    my $name = $block->name;

    if (ref $filter && ref $filter eq 'CODE') {
        return $filter->($content);
    }

    if (ref $filter) {
        bail_out("$name - the --- response_body_filters section only supports "
                 . "subroutine reference values and string values");
    }

    my %f = (
        md5_hex  => sub { Digest::MD5::md5_hex($_[0]) },
        sha1_hex => sub { Digest::SHA::sha1_hex($_[0]) },
        uc       => sub { uc $_[0] },
        lc       => sub { lc $_[0] },
        ucfirst  => sub { ucfirst $_[0] },
        lcfirst  => sub { lcfirst $_[0] },
        length   => sub { length $_[0] },
    );
    my $f = $f{$filter}
        or bail_out("$name - unknown filter, \"$filter\", specified in the "
                    . "--- response_body_filters section");
    return $f->($content);
}

sub transform_response_body ($$$) {
    my ($block, $res, $req_idx) = @_;
    return unless defined $res;
    my $content = $res->content;
    return unless defined $content;

    my $filters = $block->response_body_filters;
    return unless defined $filters;

    if (!ref $filters) {
        $filters =~ s/^\s+|\s+$//gs;
        $filters = [split /\s+/, $filters];
    } elsif (ref $filters ne 'ARRAY') {
        $filters = [$filters];
    }

    my $filter = $filters;
    if (ref $filters->[0] eq 'ARRAY') {
        $filter = $filters->[$req_idx];
        bail_out($block->name . " - the ---response_body_filters two-dimensional "
                 . "array unmatch the specified request($req_idx)")
            unless defined $filter;
    }

    for my $f (ref $filter eq 'ARRAY' ? @$filter : ($filter)) {
        $content = run_filter_helper($block, $f, $content);
    }
    $res->content($content);
}

sub run_test_helper ($$$) {
    my ($block, $dry_run, $repeated_req_idx) = @_;
    my $name = $block->name;

    my $reqs = get_req_from_block($block);
    bail_out("$name - request empty") if !@$reqs;

    my $timeout = parse_time($block->timeout);
    $timeout = timeout() unless defined $timeout;

    my $pipelined = $block->pipelined_requests;
    my $npipelined = $pipelined ? scalar @$pipelined : 0;

    # a scalar --- response_body(_like) with pipelined requests is checked
    # once, against all the bodies
    my $body_concat;
    if ($npipelined) {
        for my $sec (qw(response_body response_body_like response_body_unlike)) {
            my $v = $block->$sec;
            if (defined $v && ref $v ne 'ARRAY') {
                $body_concat = '';
                last;
            }
        }
    }

    my $res;
    my $req_idx = 0;
    my $need_array;

    for my $one_req (@$reqs) {
        my ($raw_resp, $head_req);

        if ($dry_run) {
            $raw_resp = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
        } else {
            ($raw_resp, $head_req) = send_request($one_req,
                $block->raw_request_middle_delay, $timeout, $block);
        }

        my $n = $npipelined;
        $need_array = $npipelined ? 1 : @$reqs > 1;

        while (1) {
            $raw_resp = '' unless defined $raw_resp;
            my ($raw_headers, $left);

            if (!defined $block->ignore_response) {
                if (defined $block->http09) {
                    $res = Test::Nginx::Socket::Response->new(200, 'OK', $raw_resp);
                    $raw_headers = '';
                } else {
                    ($res, $raw_headers, $left) = parse_response($name, $raw_resp, $head_req);
                }
            }

            if (!$n) {
                if (defined $left && length $left) {
                    (my $l = $left) =~ s/([\0-\037\200-\377])/sprintf('\x{%02x}', ord $1)/eg;
                    warn "WARNING: $name - unexpected extra bytes after last chunk in "
                         . "response: \"$l\"\n";
                }
            } else {
                $raw_resp = $left;
                $n--;
            }

            if (!defined $block->ignore_response) {
                check_error_code($block, $res, $dry_run, $req_idx, $need_array);
                check_raw_response_headers($block, $raw_headers, $dry_run, $req_idx, $need_array);
                check_response_headers($block, $res, $raw_headers, $dry_run, $req_idx, $need_array);
                transform_response_body($block, $res, $req_idx);
                if (defined $body_concat) {
                    $body_concat .= $res->content
                        if $res && defined $res->content;
                } else {
                    check_response_body($block, $res, $dry_run, $req_idx,
                                        $repeated_req_idx, $need_array);
                }
            }

            if ($n || $req_idx < @$reqs - 1) {
                sleep parse_time($block->wait) if $block->wait;
                check_error_log($block, $res, $dry_run, $repeated_req_idx, $need_array);
                check_access_log($block, $dry_run, $repeated_req_idx)
                    if !defined $block->ignore_response;
            }

            $req_idx++;
            last unless $n;
        }
    }

    if (defined $body_concat) {
        my $all = Test::Nginx::Socket::Response->new(200, 'OK', $body_concat);
        check_response_body($block, $all, $dry_run, 0, $repeated_req_idx, 0);
    }

    sleep parse_time($block->wait) if $block->wait;

    if ($block->{stap}) {
        dry_run_checks_skip("$name - stap_out - tests skipped due to env "
                            . "TEST_NGINX_USE_STAP is not set (not supported)", 1);
    }

    check_error_log($block, $res, $dry_run, $repeated_req_idx, $need_array);
    check_access_log($block, $dry_run, $repeated_req_idx)
        if !defined $block->ignore_response;
}

sub dry_run_checks_skip ($$) {
    my ($msg, $n) = @_;
    Test::More->builder->skip($msg) for 1 .. $n;
}

#----------------------------------------------------------------------
# Checks
#----------------------------------------------------------------------

sub get_indexed_value ($$$$) {
    my ($name, $value, $req_idx, $need_array) = @_;
    if (ref $value && ref $value eq 'ARRAY') {
        if (!$need_array && $req_idx != 0) {
            bail_out("$name - SHOULD NOT HAPPEN: idx != 0 and don't need array.");
        }
        return $value->[$req_idx];
    }
    # moxy: a scalar applies to every request
    return $value;
}

sub _skip_dry ($$$) {
    my ($name, $what, $dry_run) = @_;
    dry_run_checks("$name - $what - tests skipped due to $dry_run", 1);
}

sub check_error_code ($$$$$) {
    my ($block, $res, $dry_run, $req_idx, $need_array) = @_;
    my $name = $block->name;
    return _skip_dry($name, 'status code', $dry_run) if $dry_run;

    my $code = ($res && $res->code) || '';

    if (defined $block->error_code_like) {
        my $val = get_indexed_value($name, $block->error_code_like, $req_idx, $need_array);
        Test::More::like($code, qr/$val/sm, "$name - status code ok");
    } elsif (defined $block->error_code) {
        my $val = get_indexed_value($name, $block->error_code, $req_idx, $need_array);
        Test::More::is($code, $val, "$name - status code ok");
    } else {
        Test::More::is($code, 200, "$name - status code ok");
    }
}

sub check_raw_response_headers ($$$$$) {
    my ($block, $raw_headers, $dry_run, $req_idx, $need_array) = @_;
    my $name = $block->name;
    $raw_headers = '' unless defined $raw_headers;

    if (defined $block->raw_response_headers_like) {
        if ($dry_run) {
            _skip_dry($name, 'raw_response_headers_like', $dry_run);
        } else {
            my $exp = get_indexed_value($name, $block->raw_response_headers_like,
                                        $req_idx, $need_array);
            Test::More::like($raw_headers, qr/$exp/s, "$name - raw resp headers like");
        }
    }

    if (defined $block->raw_response_headers_unlike) {
        if ($dry_run) {
            _skip_dry($name, 'raw_response_headers_unlike', $dry_run);
        } else {
            my $exp = get_indexed_value($name, $block->raw_response_headers_unlike,
                                        $req_idx, $need_array);
            Test::More::unlike($raw_headers, qr/$exp/s, "$name - raw resp headers unlike");
        }
    }
}

sub check_response_headers ($$$$$$) {
    my ($block, $res, $raw_headers, $dry_run, $req_idx, $need_array) = @_;
    my $name = $block->name;
    $raw_headers = '' unless defined $raw_headers;

    if (defined $block->response_headers) {
        my $headers = parse_headers(get_indexed_value($name, $block->response_headers,
                                                      $req_idx, $need_array));
        for my $key (sort keys %$headers) {
            my $val = $headers->{$key};
            if ($dry_run) {
                _skip_dry($name, 'response_headers', $dry_run);
                next;
            }
            if (!defined $val) {
                Test::More::unlike($raw_headers, qr/^\s*\Q$key\E\s*:/ms,
                                   "$name - header $key not present in the raw headers");
                next;
            }
            $val =~ s/\$ServerPort\b/$ServerPort/g;
            $val =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
            my $actual = $res ? $res->header($key) : undef;
            $actual = '' unless defined $actual;
            Test::More::is($actual, $val, "$name - header $key ok");
        }

    } elsif (defined $block->response_headers_like) {
        my $headers = parse_headers(get_indexed_value($name, $block->response_headers_like,
                                                      $req_idx, $need_array));
        for my $key (sort keys %$headers) {
            my $val = $headers->{$key};
            if ($dry_run) {
                _skip_dry($name, 'response_headers_like', $dry_run);
                next;
            }
            my $actual = $res ? $res->header($key) : undef;
            $actual = '' unless defined $actual;
            $val = '' unless defined $val;
            Test::More::like($actual, qr/^$val$/, "$name - header $key like ok");
        }
    }
}

sub check_response_body ($$$$$$) {
    my ($block, $res, $dry_run, $req_idx, $repeated_req_idx, $need_array) = @_;
    my $name = $block->name;

    my $content = $res ? $res->content : undef;
    if (defined $content) {
        $content =~ s/^TE: deflate,gzip;q=0\.3\r\n//gms;
        $content =~ s/^Connection: TE, close\r\n//gms;
    }

    if (defined $block->response_body || defined $block->response_body_eval) {
        if ($dry_run) {
            _skip_dry($name, 'response_body', $dry_run);
        } else {
            my $expected;
            if (defined $block->response_body_eval) {
                $expected = eval get_indexed_value($name, $block->response_body_eval,
                                                   $req_idx, $need_array);
                warn $@ if $@;
            } else {
                $expected = get_indexed_value($name, $block->response_body,
                                              $req_idx, $need_array);
            }

            if ($block->charset && defined $expected && !ref $expected) {
                Encode::from_to($expected, 'UTF-8', $block->charset);
            }

            if (defined $expected && !ref $expected) {
                $expected =~ s/\$ServerPort\b/$ServerPort/g;
                $expected =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
            }

            my $desc = "$name - response_body - response is expected "
                       . "(repeated req $repeated_req_idx, req $req_idx)";
            if (ref $expected) {
                Test::More::like($content, $expected,
                    "$name - response_body - like (repeated req $repeated_req_idx, req $req_idx)");
            } elsif ($NoLongString) {
                Test::More::is($content, $expected, $desc);
            } else {
                Test::Base::is($content, $expected, $desc);
            }
        }

    } elsif (defined $block->response_body_like || defined $block->response_body_unlike) {
        my ($type, $pats) = defined $block->response_body_like
            ? ('like', $block->response_body_like)
            : ('unlike', $block->response_body_unlike);

        if ($dry_run) {
            _skip_dry($name, "response_body_$type", $dry_run);
        } else {
            my $pat = get_indexed_value($name, $pats, $req_idx, $need_array);
            $pat = '' unless defined $pat;
            if (!ref $pat) {
                $pat =~ s/\$ServerPort\b/$ServerPort/g;
                $pat =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
            }
            my $summary = trim($content);
            $summary = '' unless defined $summary;
            my $desc = "$name - response_body_$type - response is expected ($summary)";
            if ($type eq 'like') {
                Test::More::like($content, qr/$pat/s, $desc);
            } else {
                Test::More::unlike($content, qr/$pat/s, $desc);
            }
        }
    }

    for my $check (@ResponseBodyChecks) {
        $check->($block, $content, $req_idx, $repeated_req_idx, $dry_run);
    }
}

sub _patterns ($) {
    my $pats = shift;
    if (!ref $pats) {
        chomp $pats;
        return [split /\n+/, $pats];
    }
    return [$pats] if ref $pats eq 'Regexp';
    return [@$pats];
}

sub _pat_match ($$) {
    my ($line, $pat) = @_;
    return 1 if ref $pat && $line =~ /$pat/;
    return $line =~ /\Q$pat\E/ ? 1 : 0;
}

sub _fmt_str ($) {
    my $s = shift;
    $s = '' unless defined $s;
    chomp $s;
    $s =~ s/"/\\"/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return $s;
}

sub _value_contains ($$) {
    my ($val, $pat) = @_;
    return 0 unless defined $val;
    if (!ref $val || ref $val eq 'Regexp') {
        return $val =~ /\Q$pat\E/ ? 1 : 0;
    }
    if (ref $val eq 'ARRAY') {
        for my $v (@$val) {
            return 1 if _value_contains($v, $pat);
        }
    }
    return 0;
}

# must-match patterns: one test per pattern
sub _check_log_present ($$$$$) {
    my ($name, $pats, $lines, $dry_run, $what) = @_;
    my ($file, $suffix) = @$what;
    my $sec = ($file =~ /^(\w+)/)[0] . '_log';
    my @pats = @{ _patterns($pats) };
    for my $line (@$lines) {
        for my $pat (@pats) {
            next unless defined $pat;
            if (_pat_match($line, $pat)) {
                if ($dry_run) {
                    _skip_dry($name, $sec, $dry_run);
                } else {
                    Test::More::pass("$name - pattern \"$pat\" matches a line in $file$suffix");
                }
                undef $pat;
            }
        }
    }
    for my $pat (@pats) {
        next unless defined $pat;
        if ($dry_run) {
            _skip_dry($name, $sec, $dry_run);
        } else {
            Test::More::fail("$name - pattern \"$pat\" should match a line in $file$suffix");
        }
    }
}

# must-not-match patterns: one test per pattern (more on extra matches)
sub _check_log_absent ($$$$$) {
    my ($name, $pats, $lines, $dry_run, $what) = @_;
    my ($file, $suffix, $sec) = @$what;
    $sec = 'no_' . ($file =~ /^(\w+)/)[0] . '_log' unless defined $sec;
    my @pats = @{ _patterns($pats) };
    my %found;
    for my $i (0 .. $#$lines) {
        my $line = $lines->[$i];
        for my $pat (@pats) {
            next unless defined $pat;
            next unless _pat_match($line, $pat);
            if ($found{$pat}++) {
                _no_ending();
            }
            if ($dry_run) {
                _skip_dry($name, $sec, $dry_run);
                next;
            }
            my $more = '';
            for (my $j = $i + 1; $j < $i + 10 && $j < @$lines - 1; $j++) {
                $more .= $lines->[$j];
            }
            Test::More::fail("$name - pattern \"" . _fmt_str($pat)
                . "\" should not match any line in $file but matches line \""
                . _fmt_str($line) . "\"$suffix\n$more");
        }
    }
    for my $pat (@pats) {
        next unless defined $pat;
        next if $found{$pat};
        if ($dry_run) {
            _skip_dry($name, $sec, $dry_run);
        } else {
            Test::More::pass("$name - pattern \"" . _fmt_str($pat)
                             . "\" does not match a line in $file$suffix");
        }
    }
}

sub check_access_log ($$$) {
    my ($block, $dry_run, $repeated_req_idx) = @_;
    my $name = $block->name;
    my $what = ['access.log', " (req $repeated_req_idx)"];
    my $lines;

    if (defined $block->access_log) {
        $lines ||= access_log_data();
        _check_log_present($name, $block->access_log, $lines, $dry_run, $what);
    }
    if (defined $block->no_access_log) {
        $lines ||= access_log_data();
        _check_log_absent($name, $block->no_access_log, $lines, $dry_run, $what);
    }
}

sub check_error_log ($$$$$) {
    my ($block, $res, $dry_run, $repeated_req_idx, $need_array) = @_;
    my $name = $block->name;
    my $what = ['error.log', " (req $repeated_req_idx)"];

    my $lines = error_log_data();

    my $grep_pats = $block->grep_error_log;
    my $grep_pat;
    if (defined $grep_pats) {
        $grep_pat = ref $grep_pats eq 'ARRAY' ? $grep_pats->[$repeated_req_idx] : $grep_pats;
    } elsif (defined $block->grep_error_log_out) {
        bail_out("$name - No --- grep_error_log defined but --- grep_error_log_out is defined");
    }

    if (defined $grep_pat) {
        my $expected = $block->grep_error_log_out;
        bail_out("$name - No --- grep_error_log_out defined but --- grep_error_log is defined")
            unless defined $expected;
        $expected = $expected->[$repeated_req_idx] if ref $expected eq 'ARRAY';

        if ($dry_run) {
            _skip_dry($name, 'error_log', $dry_run);
        } else {
            my $matched = '';
            for my $line (@$lines) {
                if ((ref $grep_pat && $line =~ /$grep_pat/) || $line =~ /\Q$grep_pat\E/) {
                    my $m = $&;
                    $matched .= "$m\n" if $m !~ /\n/;
                }
            }
            my $desc = "$name - grep_error_log_out (req $repeated_req_idx)";
            if (ref $expected eq 'Regexp') {
                Test::More::like($matched, $expected, $desc);
            } else {
                is_str($matched, $expected, $desc);
            }
        }
    }

    my %check = (map { $_ => 1 } qw(global alert crit emerg));
    for my $sec (qw(error_log no_error_log)) {
        my $v = $block->$sec;
        next unless defined $v;
        delete $check{global} if _value_contains($v, 'writing a global lua variable');
        delete $check{alert}  if _value_contains($v, '[alert');
        delete $check{crit}   if _value_contains($v, '[crit');
        delete $check{emerg}  if _value_contains($v, '[emerg');
    }

    if (defined $block->error_log) {
        _check_log_present($name, $block->error_log, $lines, $dry_run, $what);
    }
    if (defined $block->no_error_log) {
        _check_log_absent($name, $block->no_error_log, $lines, $dry_run, $what);
    }

    if (!$dry_run) {
        for my $line (@$lines) {
            if (($check{global} && $line =~ /writing a global lua variable/)
                || ($check{alert} && $line =~ /\[alert\]/)
                || ($check{crit}  && $line =~ /\[crit\]/)
                || ($check{emerg} && $line =~ /\[emerg\]/))
            {
                warn "WARNING: $name - " . _fmt_str($line) . "\n";
            }
        }
    }

    _check_fatal_lines($name, $lines);
}

sub _check_fatal_lines ($$) {
    my ($name, $lines) = @_;
    for my $line (@$lines) {
        if ($line =~ /\bAssertion .*?failed\b/
            || $line =~ /ERROR: AddressSanitizer/
            || $line =~ /SUMMARY: UndefinedBehaviorSanitizer/
            || $line =~ /^\S+:\d+:\d+: runtime error: /)
        {
            _no_ending();
            (my $l = $line) =~ s/\s+\z//;
            Test::More::fail("$name - $l\n");
        }
    }
}

sub check_shutdown_error_log ($$) {
    my ($block, $dry_run) = @_;
    my $name = $block->name;
    my $what = ['error.log', ''];
    $dry_run = $dry_run ? 'TEST_NGINX_NO_CLEAN' : 0;

    my $lines = error_log_data();

    if (defined $block->no_shutdown_error_log) {
        _check_log_absent($name, $block->no_shutdown_error_log, $lines, $dry_run, $what);
    }
    if (defined $block->shutdown_error_log) {
        _check_log_present($name, $block->shutdown_error_log, $lines, $dry_run, $what);
    }

    _check_fatal_lines($name, $lines);
}

#----------------------------------------------------------------------
# A minimal HTTP response object (what HTTP::Response gave the real one)
#----------------------------------------------------------------------

package Test::Nginx::Socket::Response;

sub new {
    my ($class, $code, $msg, $content) = @_;
    return bless { code => $code, message => $msg, headers => [],
                   content => defined $content ? $content : '' }, $class;
}

sub parse {
    my ($class, $str) = @_;
    $str = '' unless defined $str;

    my $status_line;
    if ($str =~ s/^(.*)\n//) {
        $status_line = $1;
    } else {
        $status_line = $str;
        $str = '';
    }
    $status_line =~ s/\r\z//;

    my @hdr;
    while (1) {
        if ($str =~ s/^([^\s:]+)[ \t]*: ?(.*)\n?//) {
            my ($k, $v) = ($1, $2);
            $v =~ s/\r\z//;
            push @hdr, [$k, $v];
        } elsif (@hdr && $str =~ s/^([ \t].*)\n?//) {
            my $c = $1;
            $c =~ s/\r\z//;
            $hdr[-1][1] .= "\n$c";
        } else {
            $str =~ s/^\r?\n//;
            last;
        }
    }

    my ($proto, $code, $msg);
    if ($status_line =~ /^\d{3} /) {
        ($code, $msg) = split ' ', $status_line, 2;
    } else {
        ($proto, $code, $msg) = split ' ', $status_line, 3;
    }

    my $self = $class->new($code, $msg, $str);
    $self->{protocol} = $proto;
    $self->{headers} = \@hdr;
    return $self;
}

sub code {
    my $self = shift;
    $self->{code} = shift if @_;
    return $self->{code};
}

sub message { $_[0]{message} }
sub protocol { $_[0]{protocol} }

sub content {
    my $self = shift;
    $self->{content} = shift if @_;
    return $self->{content};
}

sub _norm_key ($) {
    my $k = lc shift;
    $k =~ tr/_/-/ unless $k =~ /^:/;
    return $k;
}

sub header {
    my ($self, $key) = @_;
    my $want = _norm_key($key);
    my @vals = map { $_->[1] } grep { lc($_->[0]) eq $want } @{ $self->{headers} };
    return wantarray ? @vals : undef unless @vals;
    return wantarray ? @vals : join(', ', @vals);
}

sub headers_list { @{ $_[0]{headers} } }

package Test::Nginx::Socket;

1;
