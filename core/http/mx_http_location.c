#include "mx_http.h"


/*
 * Location matching in nginx's order: an exact "=" match wins at once;
 * otherwise the longest prefix is remembered and its nested locations
 * searched; unless that prefix is "^~", regex locations are then tried
 * in the order of the config, and the first match wins.
 */


/*
 * Returns MX_OK (exact or regex match: final), MX_AGAIN (a prefix
 * matched, regexes of enclosing levels may still override) or
 * MX_DECLINED (nothing matched at this level). *found is updated.
 */
static int
mx_http_find_in(mx_http_request_t *r, mx_http_core_loc_conf_t *parent,
    const mx_str_t *uri, mx_http_core_loc_conf_t **found)
{
    mx_http_core_loc_conf_t  **locs, *best, *l;
    mx_uint_t                  i;
    int                        rc, nrc;

    if (parent->locations == NULL) {
        return MX_DECLINED;
    }

    locs = parent->locations->elts;
    best = NULL;

    for (i = 0; i < parent->locations->nelts; i++) {
        l = locs[i];

        switch (l->type) {

        case MX_HTTP_LOC_EXACT:
            if (uri->len == l->name.len
                && memcmp(uri->data, l->name.data, uri->len) == 0)
            {
                *found = l;
                return MX_OK;
            }
            break;

        case MX_HTTP_LOC_PREFIX:
        case MX_HTTP_LOC_NOREGEX:
            if (uri->len >= l->name.len
                && memcmp(uri->data, l->name.data, l->name.len) == 0
                && (best == NULL || l->name.len > best->name.len))
            {
                best = l;
            }
            break;

        default:
            break;
        }
    }

    rc = MX_DECLINED;

    if (best) {
        *found = best;
        rc = MX_AGAIN;

        nrc = mx_http_find_in(r, best, uri, found);
        if (nrc == MX_OK || nrc == MX_ERROR) {
            return nrc;
        }

        /* "^~" turns off the regexes of its own level only */
        if (best->noregex) {
            return MX_AGAIN;
        }
    }

    for (i = 0; i < parent->locations->nelts; i++) {
        l = locs[i];

        if (l->type != MX_HTTP_LOC_REGEX
            && l->type != MX_HTTP_LOC_REGEX_CASELESS)
        {
            continue;
        }

        nrc = mx_http_regex_exec(r, l->regex, uri);
        if (nrc == MX_ERROR) {
            return MX_ERROR;
        }

        if (nrc == MX_OK) {
            *found = l;
            (void) mx_http_find_in(r, l, uri, found);
            return MX_OK;
        }
    }

    return rc;
}


int
mx_http_find_location(mx_http_request_t *r)
{
    mx_http_core_loc_conf_t  *root, *found;
    int                       rc;

    root = r->srv->root_locations;
    found = root;

    rc = mx_http_find_in(r, root, &r->uri, &found);
    if (rc == MX_ERROR) {
        return MX_ERROR;
    }

    r->loc_conf = found->loc_conf;
    r->valid_location = 1;
    mx_http_set_error_log(r);

    return MX_OK;
}


mx_http_core_loc_conf_t *
mx_http_find_named_location(mx_http_request_t *r, const mx_str_t *name)
{
    mx_http_core_loc_conf_t  **locs, *root;
    mx_uint_t                  i;

    root = r->srv->root_locations;
    if (root->locations == NULL) {
        return NULL;
    }

    locs = root->locations->elts;
    for (i = 0; i < root->locations->nelts; i++) {
        if (locs[i]->named && locs[i]->name.len == name->len
            && memcmp(locs[i]->name.data, name->data, name->len) == 0)
        {
            return locs[i];
        }
    }

    return NULL;
}
