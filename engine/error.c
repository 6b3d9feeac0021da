/*
 * error.c: descriptions of dorf_status values.
 */
#include "dorf/error.h"

const char *dorf_strerror(dorf_status status) {
    switch (status) {
    case DORF_OK:
        return "ok";
    case DORF_EINVAL:
        return "invalid argument";
    case DORF_ENOTFOUND:
        return "not found";
    case DORF_EIO:
        return "input/output error";
    case DORF_ENOMEM:
        return "out of memory";
    case DORF_ECONFLICT:
        return "conflict";
    case DORF_EPARSE:
        return "malformed input";
    case DORF_EVERSION:
        return "unsupported version";
    case DORF_EINTR:
        return "interrupted";
    case DORF_EEMPTY:
        return "nothing to work with";
    case DORF_STATUS_COUNT:
        break;
    }
    return "unknown status";
}
