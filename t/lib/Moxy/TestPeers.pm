package Moxy::TestPeers;

# Peers the test files start for moxy (and the reference nginx) to talk
# to: free ports, a peer that takes connections and never answers, one
# whose accept queue is full, and a line server driven by commands.

use strict;
use warnings;

use Exporter 'import';
use IO::Socket::INET ();
use POSIX ();
use Socket qw(SOL_SOCKET SO_LINGER);

our @EXPORT = qw(free_port silent_peer full_peer line_server);

my (@Keep, $LinePid, $ParentPid);

# a port nothing listens on now
sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, Proto => 'tcp')
        or die "cannot find a free port: $!\n";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# accepts (in the kernel's backlog) and never answers; returns its port
sub silent_peer {
    my $s = IO::Socket::INET->new(Listen => 5, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, Proto => 'tcp')
        or die "cannot listen: $!\n";
    push @Keep, $s;
    return $s->sockport;
}

# its accept queue is full: connecting to it hangs; returns its port
sub full_peer {
    my $full = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                     LocalPort => 0, Proto => 'tcp')
        or die "cannot listen: $!\n";
    push @Keep, $full;

    for (1 .. 16) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $full->sockport,
                                      Proto => 'tcp', Timeout => 0.2);
        last unless $s;
        push @Keep, $s;
    }

    return $full->sockport;
}

# One line per command, a process per connection:
#   echo TEXT          TEXT and "\n"
#   raw TEXT           TEXT with \r and \n unescaped, no newline added
#   delay MS TEXT      TEXT and "\n" after MS milliseconds
#   sleep MS           nothing, after MS milliseconds
#   big N              N bytes of "x"
#   close              closes the connection
#   reset              resets it (SO_LINGER 0)
#   pid                its pid: one per connection
sub serve_lines {
    my $c = shift;
    $c->autoflush(1);
    while (defined(my $line = <$c>)) {
        $line =~ s/\r?\n\z//;
        if ($line =~ /^echo (.*)/s) {
            print $c "$1\n";
        } elsif ($line =~ /^raw (.*)/s) {
            my $s = $1;
            $s =~ s/\\r/\r/g;
            $s =~ s/\\n/\n/g;
            print $c $s;
        } elsif ($line =~ /^delay (\d+) (.*)/s) {
            select(undef, undef, undef, $1 / 1000);
            print $c "$2\n";
        } elsif ($line =~ /^sleep (\d+)/) {
            select(undef, undef, undef, $1 / 1000);
        } elsif ($line =~ /^big (\d+)/) {
            print $c 'x' x $1;
        } elsif ($line eq 'close') {
            last;
        } elsif ($line eq 'reset') {
            setsockopt($c, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
            last;
        } elsif ($line eq 'pid') {
            print $c "$$\n";
        }
    }
    close $c;
}

# starts the line server in a child process; returns its port
sub line_server {
    my $server = IO::Socket::INET->new(Listen => 64, LocalAddr => '127.0.0.1',
                                       LocalPort => 0, Proto => 'tcp',
                                       ReuseAddr => 1)
        or die "cannot listen: $!\n";
    my $port = $server->sockport;

    $ParentPid = $$;
    $LinePid = fork();
    die "fork() failed: $!\n" unless defined $LinePid;

    if ($LinePid == 0) {
        $SIG{CHLD} = 'IGNORE';
        $SIG{PIPE} = 'IGNORE';
        while (1) {
            my $c = $server->accept or next;
            my $pid = fork();
            if (defined $pid && $pid == 0) {
                serve_lines($c);
                POSIX::_exit(0);
            }
            close $c;
        }
    }

    close $server;
    return $port;
}

END {
    kill 'KILL', $LinePid if $LinePid && $ParentPid && $$ == $ParentPid;
}

1;
