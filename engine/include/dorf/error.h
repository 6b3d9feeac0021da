/*
 * dorf/error.h: the one status type every fallible dorf function returns.
 *
 * A function that can fail returns dorf_status and hands its results out through pointer
 * arguments. The human-readable detail of a failure (which file, which line, which field)
 * is kept in the dorf_ctx the call was made with; see dorf_ctx_errmsg() in dorf/context.h.
 */
#ifndef DORF_ERROR_H
#define DORF_ERROR_H

typedef enum dorf_status {
    DORF_OK = 0,
    DORF_EINVAL,    /* caller passed something unusable */
    DORF_ENOTFOUND, /* the thing asked for does not exist */
    DORF_EIO,       /* file, database or network failure */
    DORF_ENOMEM,    /* an allocation failed */
    DORF_ECONFLICT, /* lost a race: parcel already claimed, stock gone */
    DORF_EPARSE,    /* outside input does not follow its format */
    DORF_EVERSION,  /* data written by a newer dorf, or in a format this build cannot read */
    DORF_EINTR,     /* the user interrupted the operation; nothing was changed */
    DORF_EEMPTY,    /* the input was valid but held nothing to work with */
    DORF_STATUS_COUNT
} dorf_status;

/* A short, constant, English description of a status ("out of memory"). Never NULL. */
const char *dorf_strerror(dorf_status status);

#endif
