#include "mx_shm.h"
#include "mx_string.h"

#include <sys/mman.h>


/* one mapping, shared by the cycles of this process that declare it */
struct mx_shm_map_s {
    u_char             *addr;
    size_t              size;
    mx_str_t            name;       /* malloc'ed, NUL-terminated */
    void               *tag;
    mx_uint_t           refs;       /* cycles holding it */
    mx_shm_map_t       *next;
};

/* the zones one cycle declared */
typedef struct mx_shm_cycle_s  mx_shm_cycle_t;

struct mx_shm_cycle_s {
    mx_cycle_t         *cycle;
    mx_array_t          zones;      /* mx_shm_zone_t, in the cycle pool */
    mx_shm_cycle_t     *next;
};

static mx_shm_map_t    *mx_shm_maps;
static mx_shm_cycle_t  *mx_shm_cycles;


static mx_shm_cycle_t *
mx_shm_find_cycle(mx_cycle_t *cycle)
{
    mx_shm_cycle_t  *sc;

    for (sc = mx_shm_cycles; sc; sc = sc->next) {
        if (sc->cycle == cycle) {
            return sc;
        }
    }

    return NULL;
}


static void
mx_shm_release(mx_shm_map_t *map)
{
    mx_shm_map_t  **pm;

    if (--map->refs > 0) {
        return;
    }

    for (pm = &mx_shm_maps; *pm; pm = &(*pm)->next) {
        if (*pm == map) {
            *pm = map->next;
            break;
        }
    }

    if (munmap(map->addr, map->size) == -1) {
        mx_log_error(MX_LOG_ALERT, &mx_log_main, errno,
                     "munmap(%p, %zu) failed", (void *) map->addr,
                     map->size);
    }

    free(map->name.data);
    free(map);
}


/* the cycle's pool is going: its zones let go of their mappings */
static void
mx_shm_cycle_cleanup(void *data)
{
    mx_shm_cycle_t   *sc = data, **p;
    mx_shm_zone_t    *zone;
    mx_uint_t         i;

    zone = sc->zones.elts;
    for (i = 0; i < sc->zones.nelts; i++) {
        if (zone[i].map) {
            mx_shm_release(zone[i].map);
            zone[i].map = NULL;
            zone[i].shm.addr = NULL;
        }
    }

    for (p = &mx_shm_cycles; *p; p = &(*p)->next) {
        if (*p == sc) {
            *p = sc->next;
            break;
        }
    }
}


mx_shm_zone_t *
mx_shm_zone_add(mx_cycle_t *cycle, const mx_str_t *name, size_t size,
    void *tag, char *err, size_t errlen)
{
    mx_shm_cycle_t     *sc;
    mx_shm_zone_t      *zone;
    mx_pool_cleanup_t  *cln;
    mx_uint_t           i;

    sc = mx_shm_find_cycle(cycle);

    if (sc == NULL) {
        cln = mx_pool_cleanup_add(cycle->pool, sizeof(mx_shm_cycle_t));
        if (cln == NULL) {
            snprintf(err, errlen, "out of memory");
            return NULL;
        }

        sc = cln->data;
        sc->cycle = cycle;

        if (mx_array_init(&sc->zones, cycle->pool, 4, sizeof(mx_shm_zone_t))
            != MX_OK)
        {
            sc->zones.nelts = 0;
            sc->zones.elts = NULL;
            snprintf(err, errlen, "out of memory");
            /* the cleanup must still find a valid record */
            cln->handler = NULL;
            return NULL;
        }

        sc->next = mx_shm_cycles;
        mx_shm_cycles = sc;
        cln->handler = mx_shm_cycle_cleanup;
    }

    zone = sc->zones.elts;

    for (i = 0; i < sc->zones.nelts; i++) {
        if (zone[i].shm.name.len != name->len
            || memcmp(zone[i].shm.name.data, name->data, name->len) != 0)
        {
            continue;
        }

        if (zone[i].tag != tag) {
            snprintf(err, errlen, "the shared memory zone \"%.*s\" is "
                     "already declared for a different use",
                     MX_STR_ARG(*name));
            return NULL;
        }

        if (zone[i].shm.size != size) {
            snprintf(err, errlen, "the size %zu of shared memory zone "
                     "\"%.*s\" conflicts with already declared size %zu",
                     size, MX_STR_ARG(*name), zone[i].shm.size);
            return NULL;
        }

        return &zone[i];
    }

    zone = mx_array_push(&sc->zones);
    if (zone == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    memset(zone, 0, sizeof(mx_shm_zone_t));

    if (mx_str_dup(cycle->pool, &zone->shm.name, name->data, name->len)
        != MX_OK)
    {
        sc->zones.nelts--;
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    zone->shm.size = size;
    zone->tag = tag;

    return zone;
}


static mx_shm_map_t *
mx_shm_map(mx_shm_zone_t *zone)
{
    mx_shm_map_t  *map;
    void          *addr;

    /* the same zone in a cycle still alive: share its mapping */
    for (map = mx_shm_maps; map; map = map->next) {
        if (map->tag == zone->tag && map->size == zone->shm.size
            && map->name.len == zone->shm.name.len
            && memcmp(map->name.data, zone->shm.name.data, map->name.len)
               == 0)
        {
            map->refs++;
            zone->shm.exists = 1;
            return map;
        }
    }

    map = calloc(1, sizeof(mx_shm_map_t));
    if (map == NULL) {
        return NULL;
    }

    map->name.data = malloc(zone->shm.name.len + 1);
    if (map->name.data == NULL) {
        free(map);
        return NULL;
    }

    memcpy(map->name.data, zone->shm.name.data, zone->shm.name.len);
    map->name.data[zone->shm.name.len] = '\0';
    map->name.len = zone->shm.name.len;

    addr = mmap(NULL, zone->shm.size, PROT_READ | PROT_WRITE,
                MAP_ANONYMOUS | MAP_SHARED, -1, 0);

    if (addr == MAP_FAILED) {
        mx_log_error(MX_LOG_ALERT, &mx_log_main, errno,
                     "mmap(MAP_ANON|MAP_SHARED, %zu) failed",
                     zone->shm.size);
        free(map->name.data);
        free(map);
        return NULL;
    }

    map->addr = addr;
    map->size = zone->shm.size;
    map->tag = zone->tag;
    map->refs = 1;
    map->next = mx_shm_maps;
    mx_shm_maps = map;

    zone->shm.exists = 0;

    return map;
}


int
mx_shm_cycle_init(mx_cycle_t *cycle)
{
    mx_shm_cycle_t  *sc;
    mx_shm_zone_t   *zone;
    mx_uint_t        i;

    sc = mx_shm_find_cycle(cycle);
    if (sc == NULL) {
        return MX_OK;
    }

    zone = sc->zones.elts;

    for (i = 0; i < sc->zones.nelts; i++) {

        if (zone[i].map) {
            continue;
        }

        if (zone[i].shm.size == 0) {
            mx_log_error(MX_LOG_EMERG, &mx_log_main, 0,
                         "zero size shared memory zone \"%.*s\"",
                         MX_STR_ARG(zone[i].shm.name));
            return MX_ERROR;
        }

        zone[i].map = mx_shm_map(&zone[i]);
        if (zone[i].map == NULL) {
            mx_log_error(MX_LOG_EMERG, &mx_log_main, 0,
                         "could not create shared memory zone \"%.*s\"",
                         MX_STR_ARG(zone[i].shm.name));
            return MX_ERROR;
        }

        zone[i].shm.addr = zone[i].map->addr;

        if (zone[i].init && zone[i].init(&zone[i]) != MX_OK) {
            return MX_ERROR;
        }
    }

    return MX_OK;
}


mx_shm_zone_t *
mx_shm_cycle_zones(mx_cycle_t *cycle, mx_uint_t *n)
{
    mx_shm_cycle_t  *sc;

    sc = mx_shm_find_cycle(cycle);
    if (sc == NULL) {
        *n = 0;
        return NULL;
    }

    *n = sc->zones.nelts;
    return sc->zones.elts;
}
