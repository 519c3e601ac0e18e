/*
 * Unit tests of core/shm/mx_slab.c (the slab allocator over a zone) and
 * core/shm/mx_shmtx.c (its process-shared lock):
 *
 *   - layout: a zone too small for one page is refused; the reserved area
 *     and the pages fit in the zone; every page starts free;
 *   - chunks: each size class hands out distinct, aligned, non-overlapping
 *     chunks; a page that fills up leaves its slot; an empty page goes
 *     back to the free pages at once;
 *   - page runs: allocations over 2 KiB take whole pages; freed runs are
 *     coalesced with both neighbours, so the whole zone can be taken in
 *     one run again after any order of frees;
 *   - exhaustion and recovery: allocate until NULL, free everything, the
 *     zone is whole again; a random workload with a shadow copy of every
 *     allocation's contents;
 *   - bad frees (double free, interior pointers, foreign pointers) are
 *     refused without damage;
 *   - the lock: shared between processes; a holder that dies is reported
 *     once (MX_DONE) and the lock works on.
 *
 * core/main/ (the real mx_modules[]) is not linked into unit tests.
 */

#include <check.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "mx_slab.h"
#include "mx_log.h"
#include "mx_conf.h"


mx_module_t  *mx_modules[] = { NULL };
mx_uint_t     mx_modules_n = 0;


#define T_ZONE  (1024 * 1024)

static void            *t_zone;
static mx_slab_pool_t  *t_pool;


static void
t_setup(void)
{
    t_zone = mmap(NULL, T_ZONE, PROT_READ | PROT_WRITE,
                  MAP_ANONYMOUS | MAP_SHARED, -1, 0);
    ck_assert_ptr_ne(t_zone, MAP_FAILED);

    t_pool = mx_slab_init(t_zone, T_ZONE, 100, "test zone");
    ck_assert_ptr_nonnull(t_pool);

    /* bad frees log at alert level: keep the output quiet */
    mx_log_main.level = MX_LOG_EMERG;
}


static void
t_teardown(void)
{
    munmap(t_zone, T_ZONE);
}


/* ---------------------------------------------------------- layout */

START_TEST(test_too_small)
{
    static u_char  buf[8192] __attribute__((aligned(16)));

    ck_assert_ptr_null(mx_slab_init(buf, 4096, 0, NULL));
    ck_assert_ptr_null(mx_slab_init(buf, 4096 + 512, 0, NULL));
    /* a reserved area that leaves no room for a page */
    ck_assert_ptr_null(mx_slab_init(buf, 8192, 5000, NULL));
    ck_assert_ptr_nonnull(mx_slab_init(buf, 8192, 64, NULL));
}
END_TEST


START_TEST(test_layout)
{
    u_char  *zone = t_zone;

    ck_assert_ptr_eq(t_pool, t_zone);
    ck_assert_ptr_nonnull(t_pool->data);
    ck_assert_uint_eq(t_pool->data_size, 100);
    ck_assert((u_char *) t_pool->data >= zone + sizeof(mx_slab_pool_t));
    ck_assert((u_char *) t_pool->pages >= (u_char *) t_pool->data + 100);
    ck_assert((u_char *) (t_pool->pages + t_pool->npages) <= t_pool->start);
    ck_assert_uint_eq((uintptr_t) t_pool->start % MX_SLAB_PAGE_SIZE, 0);
    ck_assert(t_pool->end <= zone + T_ZONE);

    /* the header, 32 bytes of descriptor a page and the padding: 1% */
    ck_assert_uint_ge(t_pool->npages, T_ZONE / MX_SLAB_PAGE_SIZE - 3);
    ck_assert_uint_eq(t_pool->pfree, t_pool->npages);
    ck_assert_uint_eq(mx_slab_free_space(t_pool),
                      t_pool->npages * MX_SLAB_PAGE_SIZE);
    ck_assert_str_eq(t_pool->name, "test zone");
}
END_TEST


START_TEST(test_alloc_size)
{
    ck_assert_uint_eq(mx_slab_alloc_size(0), 8);
    ck_assert_uint_eq(mx_slab_alloc_size(1), 8);
    ck_assert_uint_eq(mx_slab_alloc_size(8), 8);
    ck_assert_uint_eq(mx_slab_alloc_size(9), 16);
    ck_assert_uint_eq(mx_slab_alloc_size(100), 128);
    ck_assert_uint_eq(mx_slab_alloc_size(2048), 2048);
    ck_assert_uint_eq(mx_slab_alloc_size(2049), 4096);
    ck_assert_uint_eq(mx_slab_alloc_size(4097), 8192);
}
END_TEST


/* ---------------------------------------------------------- chunks */

/* every byte of p is c */
static int
t_filled(const u_char *p, size_t len, u_char c)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (p[i] != c) {
            return 0;
        }
    }

    return 1;
}


static int
t_cmp_ptr(const void *a, const void *b)
{
    uintptr_t  x = (uintptr_t) *(u_char * const *) a;
    uintptr_t  y = (uintptr_t) *(u_char * const *) b;

    return x < y ? -1 : x > y;
}


/* fills n chunks of size, checks them, frees them; the zone is whole */
static void
t_chunks(size_t size, mx_uint_t n)
{
    u_char     **p;
    size_t       real;
    mx_uint_t    i, pfree;

    pfree = t_pool->pfree;
    real = mx_slab_alloc_size(size);
    p = calloc(n, sizeof(u_char *));
    ck_assert_ptr_nonnull(p);

    for (i = 0; i < n; i++) {
        p[i] = mx_slab_alloc(t_pool, size);
        ck_assert_ptr_nonnull(p[i]);
        ck_assert_uint_eq((uintptr_t) p[i] % mx_min(real, 16), 0);
        ck_assert(p[i] >= t_pool->start && p[i] + size <= t_pool->end);
        memset(p[i], (int) (i & 0xff), size);
    }

    for (i = 0; i < n; i++) {
        ck_assert(t_filled(p[i], size, (u_char) (i & 0xff)));
    }

    /* distinct: sorted addresses are at least a class apart */
    qsort(p, n, sizeof(u_char *), t_cmp_ptr);
    for (i = 1; i < n; i++) {
        ck_assert(p[i - 1] + real <= p[i]);
    }

    for (i = 0; i < n; i++) {
        mx_slab_free(t_pool, p[i]);
    }

    ck_assert_uint_eq(t_pool->pfree, pfree);
    free(p);
}


START_TEST(test_each_class)
{
    size_t  size;

    for (size = 1; size <= MX_SLAB_MAX_CHUNK; size *= 2) {
        /* several pages' worth of each class */
        t_chunks(size, 3 * MX_SLAB_PAGE_SIZE / mx_slab_alloc_size(size) + 5);
        t_chunks(size + 1 > MX_SLAB_MAX_CHUNK ? size : size + 1, 37);
    }
}
END_TEST


START_TEST(test_chunks_per_page)
{
    void       *p[600];
    mx_uint_t   i, pfree;

    /* 64-byte chunks: 64 in a page, the bitmap in the descriptor */
    pfree = t_pool->pfree;
    for (i = 0; i < 64; i++) {
        p[i] = mx_slab_alloc(t_pool, 64);
    }
    ck_assert_uint_eq(t_pool->pfree, pfree - 1);
    p[64] = mx_slab_alloc(t_pool, 64);
    ck_assert_uint_eq(t_pool->pfree, pfree - 2);

    /* freeing the 65th empties its page: back to the free pages */
    mx_slab_free(t_pool, p[64]);
    ck_assert_uint_eq(t_pool->pfree, pfree - 1);

    for (i = 0; i < 64; i++) {
        mx_slab_free(t_pool, p[i]);
    }
    ck_assert_uint_eq(t_pool->pfree, pfree);

    /* 8-byte chunks: 512 a page, of which 8 hold the bitmap */
    for (i = 0; i < 504; i++) {
        p[i] = mx_slab_alloc(t_pool, 8);
    }
    ck_assert_uint_eq(t_pool->pfree, pfree - 1);
    p[504] = mx_slab_alloc(t_pool, 8);
    ck_assert_uint_eq(t_pool->pfree, pfree - 2);

    for (i = 0; i < 505; i++) {
        mx_slab_free(t_pool, p[i]);
    }
    ck_assert_uint_eq(t_pool->pfree, pfree);

    /* 2048-byte chunks: 2 a page */
    p[0] = mx_slab_alloc(t_pool, 2000);
    p[1] = mx_slab_alloc(t_pool, 2000);
    ck_assert_uint_eq(t_pool->pfree, pfree - 1);
    ck_assert_uint_eq((uintptr_t) p[0] / MX_SLAB_PAGE_SIZE,
                      (uintptr_t) p[1] / MX_SLAB_PAGE_SIZE);
    mx_slab_free(t_pool, p[0]);
    mx_slab_free(t_pool, p[1]);
    ck_assert_uint_eq(t_pool->pfree, pfree);
}
END_TEST


START_TEST(test_reuse_freed_chunk)
{
    void  *a, *b, *c;

    a = mx_slab_alloc(t_pool, 100);
    b = mx_slab_alloc(t_pool, 100);
    mx_slab_free(t_pool, a);
    c = mx_slab_alloc(t_pool, 120);
    ck_assert_ptr_eq(a, c);
    mx_slab_free(t_pool, b);
    mx_slab_free(t_pool, c);
}
END_TEST


START_TEST(test_calloc)
{
    u_char     *p;
    mx_uint_t   i;

    p = mx_slab_alloc(t_pool, 300);
    memset(p, 0xaa, 300);
    mx_slab_free(t_pool, p);

    p = mx_slab_calloc_locked(t_pool, 300);
    for (i = 0; i < 300; i++) {
        ck_assert_uint_eq(p[i], 0);
    }
    mx_slab_free(t_pool, p);
}
END_TEST


/* ------------------------------------------------------- page runs */

START_TEST(test_runs_are_page_aligned)
{
    u_char  *p, *q;

    p = mx_slab_alloc(t_pool, 2049);
    q = mx_slab_alloc(t_pool, 3 * MX_SLAB_PAGE_SIZE + 1);
    ck_assert_uint_eq((uintptr_t) p % MX_SLAB_PAGE_SIZE, 0);
    ck_assert_uint_eq((uintptr_t) q % MX_SLAB_PAGE_SIZE, 0);
    ck_assert_uint_eq(t_pool->pfree, t_pool->npages - 5);
    mx_slab_free(t_pool, p);
    mx_slab_free(t_pool, q);
    ck_assert_uint_eq(t_pool->pfree, t_pool->npages);
}
END_TEST


/* takes the whole zone in one run: only possible when it is coalesced */
static void
t_whole(void)
{
    void  *all;

    all = mx_slab_alloc(t_pool, t_pool->npages * MX_SLAB_PAGE_SIZE);
    ck_assert_ptr_nonnull(all);
    ck_assert_ptr_eq(all, t_pool->start);
    ck_assert_uint_eq(t_pool->pfree, 0);
    ck_assert_ptr_null(mx_slab_alloc(t_pool, 8));
    mx_slab_free(t_pool, all);
    ck_assert_uint_eq(t_pool->pfree, t_pool->npages);
}


START_TEST(test_coalescing)
{
    static const int  orders[][5] = {
        { 0, 1, 2, 3, 4 }, { 4, 3, 2, 1, 0 }, { 1, 3, 0, 4, 2 },
        { 2, 0, 4, 1, 3 }, { 3, 1, 4, 0, 2 }
    };

    void       *p[5];
    mx_uint_t   i, k;

    t_whole();

    for (k = 0; k < mx_nelems(orders); k++) {
        for (i = 0; i < 5; i++) {
            p[i] = mx_slab_alloc(t_pool, (i + 1) * MX_SLAB_PAGE_SIZE);
            ck_assert_ptr_nonnull(p[i]);
        }

        for (i = 0; i < 5; i++) {
            mx_slab_free(t_pool, p[orders[k][i]]);
        }

        t_whole();
    }
}
END_TEST


START_TEST(test_too_large)
{
    ck_assert_ptr_null(mx_slab_alloc(t_pool, T_ZONE));
    ck_assert_ptr_null(mx_slab_alloc(t_pool, (size_t) -1));
    ck_assert_ptr_null(mx_slab_alloc(t_pool,
                           (t_pool->npages + 1) * MX_SLAB_PAGE_SIZE));
    ck_assert_uint_eq(t_pool->pfree, t_pool->npages);
}
END_TEST


/* ------------------------------------------------ exhaustion, mixes */

START_TEST(test_exhaustion)
{
    void       **p;
    mx_uint_t    n, i, max;

    max = T_ZONE / 16;
    p = malloc(max * sizeof(void *));

    for (n = 0; n < max; n++) {
        p[n] = mx_slab_alloc(t_pool, (n % 7) * 100 + 10);
        if (p[n] == NULL) {
            break;
        }
    }

    ck_assert_uint_lt(n, max);
    ck_assert_uint_gt(n, 1000);
    ck_assert_uint_eq(t_pool->pfree, 0);

    for (i = 0; i < n; i += 2) {
        mx_slab_free(t_pool, p[i]);
    }
    for (i = 1; i < n; i += 2) {
        mx_slab_free(t_pool, p[i]);
    }

    t_whole();
    free(p);
}
END_TEST


START_TEST(test_random_workload)
{
    enum { N = 2000 };

    static u_char  *p[N];
    static size_t   len[N];
    mx_uint_t       i, k;
    unsigned        seed = 12345;
    size_t          size;

    for (k = 0; k < 50000; k++) {
        i = rand_r(&seed) % N;

        if (p[i]) {
            ck_assert(t_filled(p[i], len[i], (u_char) (i ^ len[i])));
            mx_slab_free(t_pool, p[i]);
            p[i] = NULL;
            continue;
        }

        switch (rand_r(&seed) % 4) {
        case 0:
            size = 1 + rand_r(&seed) % 64;
            break;
        case 1:
            size = 1 + rand_r(&seed) % 700;
            break;
        case 2:
            size = 1 + rand_r(&seed) % 2048;
            break;
        default:
            size = 1 + rand_r(&seed) % (5 * MX_SLAB_PAGE_SIZE);
        }

        p[i] = mx_slab_alloc(t_pool, size);
        if (p[i]) {
            len[i] = size;
            memset(p[i], (u_char) (i ^ size), size);
        }
    }

    for (i = 0; i < N; i++) {
        if (p[i]) {
            ck_assert(t_filled(p[i], len[i], (u_char) (i ^ len[i])));
            mx_slab_free(t_pool, p[i]);
            p[i] = NULL;
        }
    }

    t_whole();
}
END_TEST


START_TEST(test_reset)
{
    void  *a, *b;

    a = mx_slab_alloc(t_pool, 50);
    b = mx_slab_alloc(t_pool, 50000);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    memset(t_pool->data, 0x5a, 100);

    mx_slab_reset(t_pool);

    ck_assert_uint_eq(t_pool->pfree, t_pool->npages);
    ck_assert_uint_eq(((u_char *) t_pool->data)[99], 0x5a);
    t_whole();
}
END_TEST


/* ------------------------------------------------------- bad frees */

START_TEST(test_bad_frees)
{
    static u_char   outside[16];
    u_char         *a, *b, *run;
    mx_uint_t       pfree;

    a = mx_slab_alloc(t_pool, 100);
    b = mx_slab_alloc(t_pool, 100);
    run = mx_slab_alloc(t_pool, 3 * MX_SLAB_PAGE_SIZE);
    pfree = t_pool->pfree;

    mx_slab_free(t_pool, NULL);
    mx_slab_free(t_pool, outside);
    mx_slab_free(t_pool, a + 8);                       /* mid-chunk */
    mx_slab_free(t_pool, run + 16);                    /* mid-page */
    mx_slab_free(t_pool, run + MX_SLAB_PAGE_SIZE);     /* inner page */
    mx_slab_free(t_pool, t_pool->start + (t_pool->npages - 1)
                         * MX_SLAB_PAGE_SIZE);         /* a free page */
    ck_assert_uint_eq(t_pool->pfree, pfree);

    mx_slab_free(t_pool, a);
    mx_slab_free(t_pool, a);                           /* double free */
    mx_slab_free(t_pool, run);
    mx_slab_free(t_pool, run);
    ck_assert_uint_eq(t_pool->pfree, pfree + 3);

    /* b's page still works */
    ck_assert_uint_eq(b[0] | 1, b[0] | 1);
    mx_slab_free(t_pool, b);
    t_whole();
}
END_TEST


/* ------------------------------------------------------------ lock */

START_TEST(test_lock_between_processes)
{
    pid_t  pid;
    int    status, fds[2];
    char   c;

    ck_assert_int_eq(mx_shmtx_lock(&t_pool->mutex), MX_OK);

    ck_assert_int_eq(pipe(fds), 0);
    pid = fork();
    ck_assert_int_ne(pid, -1);

    if (pid == 0) {
        /* held by the parent: trylock fails, lock waits */
        if (mx_shmtx_trylock(&t_pool->mutex) != MX_AGAIN) {
            _exit(1);
        }
        if (write(fds[1], "x", 1) != 1) {
            _exit(2);
        }
        if (mx_shmtx_lock(&t_pool->mutex) != MX_OK) {
            _exit(3);
        }
        mx_shmtx_unlock(&t_pool->mutex);
        _exit(0);
    }

    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    usleep(20000);
    mx_shmtx_unlock(&t_pool->mutex);

    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    close(fds[0]);
    close(fds[1]);
}
END_TEST


START_TEST(test_lock_holder_dies)
{
    pid_t  pid;
    int    status;

    pid = fork();
    ck_assert_int_ne(pid, -1);

    if (pid == 0) {
        mx_shmtx_lock(&t_pool->mutex);
        kill(getpid(), SIGKILL);
        _exit(0);
    }

    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status));

    ck_assert_int_eq(mx_shmtx_lock(&t_pool->mutex), MX_DONE);
    mx_shmtx_unlock(&t_pool->mutex);
    ck_assert_int_eq(mx_shmtx_lock(&t_pool->mutex), MX_OK);
    mx_shmtx_unlock(&t_pool->mutex);
    ck_assert_int_eq(mx_shmtx_trylock(&t_pool->mutex), MX_OK);
    mx_shmtx_unlock(&t_pool->mutex);
}
END_TEST


START_TEST(test_allocations_across_processes)
{
    u_char  *p;
    pid_t    pid;
    int      status;

    /* a child allocates and writes; the parent reads and frees */
    pid = fork();
    ck_assert_int_ne(pid, -1);

    if (pid == 0) {
        p = mx_slab_alloc(t_pool, 5000);
        if (p == NULL) {
            _exit(1);
        }
        memcpy(p, "from the child", 15);
        *(u_char **) t_pool->data = p;
        _exit(0);
    }

    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_int_eq(WEXITSTATUS(status), 0);

    p = *(u_char **) t_pool->data;
    ck_assert_str_eq((char *) p, "from the child");
    ck_assert_uint_eq(t_pool->pfree, t_pool->npages - 2);
    mx_slab_free(t_pool, p);
    t_whole();
}
END_TEST


static Suite *
slab_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("mx_slab");
    tc = tcase_create("core");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 30);

    tcase_add_test(tc, test_too_small);
    tcase_add_test(tc, test_layout);
    tcase_add_test(tc, test_alloc_size);
    tcase_add_test(tc, test_each_class);
    tcase_add_test(tc, test_chunks_per_page);
    tcase_add_test(tc, test_reuse_freed_chunk);
    tcase_add_test(tc, test_calloc);
    tcase_add_test(tc, test_runs_are_page_aligned);
    tcase_add_test(tc, test_coalescing);
    tcase_add_test(tc, test_too_large);
    tcase_add_test(tc, test_exhaustion);
    tcase_add_test(tc, test_random_workload);
    tcase_add_test(tc, test_reset);
    tcase_add_test(tc, test_bad_frees);
    tcase_add_test(tc, test_lock_between_processes);
    tcase_add_test(tc, test_lock_holder_dies);
    tcase_add_test(tc, test_allocations_across_processes);

    suite_add_tcase(s, tc);

    return s;
}


int
main(void)
{
    int       failed;
    SRunner  *sr;

    sr = srunner_create(slab_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
