#include "mx_proc.h"

#include <sys/prctl.h>

/*
 * argv[] and environ[] are contiguous in a new process; the title is
 * written over that area once the environment has been copied away.
 */

static char    *mx_title_start, *mx_title_end;
static char    *mx_title_args;          /* "ARGS" of the master's title */
static char   **mx_env_copies;          /* the environment's new home */


int
mx_proctitle_init(int argc, char **argv)
{
    extern char  **environ;
    char          *end, *p;
    size_t         size, n;
    int            i;

    if (argc == 0 || argv[0] == NULL) {
        return MX_OK;
    }

    size = 0;
    for (i = 0; i < argc; i++) {
        size += strlen(argv[i]) + 1;
    }

    mx_title_args = malloc(size + 1);
    if (mx_title_args == NULL) {
        return MX_ERROR;
    }

    p = mx_title_args;
    for (i = 0; i < argc; i++) {
        n = strlen(argv[i]);
        memcpy(p, argv[i], n);
        p += n;
        *p++ = ' ';
    }
    *p = '\0';
    if (p > mx_title_args) {
        p[-1] = '\0';
    }

    end = argv[0];
    for (i = 0; i < argc; i++) {
        if (argv[i] == end) {
            end = argv[i] + strlen(argv[i]) + 1;
        }
    }

    for (i = 0; environ[i]; i++) {
        if (environ[i] == end) {
            end = environ[i] + strlen(environ[i]) + 1;
        }
    }

    /*
     * The environment moves to the heap; the old area becomes the title.
     * The copies stay listed here: "env" may unset some of them later.
     */
    for (i = 0; environ[i]; i++) { /* void */ }

    mx_env_copies = calloc(i + 1, sizeof(char *));
    if (mx_env_copies == NULL) {
        return MX_ERROR;
    }

    for (i = 0; environ[i]; i++) {
        p = strdup(environ[i]);
        if (p == NULL) {
            return MX_ERROR;
        }
        mx_env_copies[i] = p;
        environ[i] = p;
    }

    mx_title_start = argv[0];
    mx_title_end = end;

    return MX_OK;
}


void
mx_setproctitle(const char *title)
{
    size_t  room, n;

    (void) prctl(PR_SET_NAME, "moxy", 0, 0, 0);

    if (mx_title_start == NULL) {
        return;
    }

    room = mx_title_end - mx_title_start;
    if (room < 2) {
        return;
    }

    n = snprintf(mx_title_start, room, "moxy: %s", title);
    if (n >= room) {
        n = room - 1;
    }

    memset(mx_title_start + n, '\0', room - n);
}


void
mx_setproctitle_master(void)
{
    char    buf[4096];

    snprintf(buf, sizeof(buf), "master process %s",
             mx_title_args ? mx_title_args : "");
    mx_setproctitle(buf);
}
