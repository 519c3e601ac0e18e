#ifndef MX_SHM_H
#define MX_SHM_H

#include "mx_core.h"
#include "mx_pool.h"
#include "mx_log.h"
#include "mx_cycle.h"

/*
 * Shared-memory zones: one mmap(MAP_SHARED|MAP_ANONYMOUS) each, made by
 * the master (or the single process) while it builds a cycle, before it
 * forks the workers, which inherit the mapping at the same address.
 *
 * A zone is declared by a directive while the config is read
 * (mx_shm_zone_add), and mapped when the config has been read
 * (mx_shm_cycle_init, called by mx_init_cycle). On reload, a zone whose
 * name, size and owner (tag) are those of a zone of the running cycle
 * gets that zone's mapping back, contents included (zone->shm.exists);
 * otherwise it gets a new one. A mapping lives as long as one cycle of
 * the process still declares it: it is unmapped by the pool cleanup of
 * the last such cycle, so a failed reload leaves the running cycle's
 * zones alone, and a successful one unmaps the zones the new config
 * dropped or resized when the old cycle is freed. (Workers of the old
 * cycle keep their own mapping until they exit.)
 */

typedef struct mx_shm_zone_s  mx_shm_zone_t;
typedef struct mx_shm_map_s   mx_shm_map_t;

/*
 * Called once the zone is mapped, before any worker exists: set up the
 * zone's contents when shm.exists is 0, find them when it is 1 (the
 * mapping comes from the previous cycle). MX_OK or MX_ERROR (logged),
 * which fails the cycle.
 */
typedef int (*mx_shm_zone_init_pt)(mx_shm_zone_t *zone);

typedef struct {
    u_char             *addr;      /* page-aligned; NULL until mapped */
    size_t              size;
    mx_str_t            name;
    unsigned            exists:1;  /* taken over from a previous cycle */
} mx_shm_t;

struct mx_shm_zone_s {
    mx_shm_t             shm;
    void                *tag;      /* the owner, e.g. its mx_module_t */
    void                *data;     /* the owner's, for init */
    mx_shm_zone_init_pt  init;
    mx_shm_map_t        *map;      /* private: the mapping */
};

/*
 * Declares a zone in the cycle being configured (call it from a
 * directive handler). Returns the zone of that name when it was already
 * declared with the same size and tag (the caller decides whether that
 * is an error: its data is then set), else a new zone with data and init
 * NULL for the caller to set. NULL on failure, with a message for
 * "[emerg] ..." in err (errlen bytes of room), e.g. 'the size 16384 of
 * shared memory zone "x" conflicts with already declared size 12288'.
 */
mx_shm_zone_t *mx_shm_zone_add(mx_cycle_t *cycle, const mx_str_t *name,
    size_t size, void *tag, char *err, size_t errlen);

/*
 * Maps the zones declared in cycle (reusing the mappings of live cycles,
 * see above) and calls their init handlers. Call it once from
 * mx_init_cycle() after the config is read, before the modules'
 * init_module (init_by_lua* runs there and writes to the zones).
 * MX_OK, or MX_ERROR (logged at emerg level).
 */
int mx_shm_cycle_init(mx_cycle_t *cycle);

/* the zones of a cycle (NULL, 0 when none); for lookups by name */
mx_shm_zone_t *mx_shm_cycle_zones(mx_cycle_t *cycle, mx_uint_t *n);

#endif /* MX_SHM_H */
