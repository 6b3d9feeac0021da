/*
 * fault_vfs.c: an SQLite VFS shim that makes the n-th database write fail, for tests.
 *
 * Compiled only with -DDORF_FAULT_INJECTION. The shim "dorf-fault" wraps the default VFS
 * (unix): every method is passed through, except that xWrite, xSync and xTruncate of any file
 * SQLite opens through it (database, WAL, journal) are counted and the chosen one fails with
 * SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC or SQLITE_IOERR_TRUNCATE without touching the file.
 * That is how SQLite's own test suite simulates I/O errors (its test_vfs.c and the "ioerr"
 * tests): the write never happens, and SQLite must roll back or report cleanly. Shared-memory
 * calls of the WAL index are passed through uncounted; they are memory, not writes to disk.
 * The store (store_sqlite.c) opens its files through the shim in fault-injection builds, so
 * that `dorf serve` and the tests run the same code path. The counters are process-wide test
 * instrumentation and atomic, since a server's threads write through the shim at once.
 */
#include "fault_vfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

/* An open file of the shim; the wrapped VFS's own file object follows it in memory. */
struct fault_file {
    sqlite3_file base;
    sqlite3_file *real;
};

static sqlite3_vfs fault_vfs_object;
static sqlite3_vfs *real_vfs;
static pthread_once_t register_once = PTHREAD_ONCE_INIT;
static int registered;

static atomic_ulong fault_count;
static atomic_ulong fault_at;
static atomic_int fault_sticky;

unsigned long dorf_fault_vfs_fail_after(unsigned long n, int sticky) {
    unsigned long counted = atomic_exchange(&fault_count, 0);
    atomic_store(&fault_sticky, sticky);
    atomic_store(&fault_at, n);
    return counted;
}

/* Counts one write-like call; 1 when it is to fail. */
static int should_fail(void) {
    unsigned long k = atomic_fetch_add(&fault_count, 1) + 1;
    unsigned long at = atomic_load(&fault_at);
    return at != 0 && (k == at || (atomic_load(&fault_sticky) && k > at));
}

static sqlite3_file *real_of(sqlite3_file *f) {
    return ((struct fault_file *)f)->real;
}

/* ---- the file methods: counted writes, the rest passed through ---- */

static int f_close(sqlite3_file *f) {
    return real_of(f)->pMethods->xClose(real_of(f));
}

static int f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off) {
    return real_of(f)->pMethods->xRead(real_of(f), buf, n, off);
}

static int f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off) {
    if (should_fail()) {
        return SQLITE_IOERR_WRITE;
    }
    return real_of(f)->pMethods->xWrite(real_of(f), buf, n, off);
}

static int f_truncate(sqlite3_file *f, sqlite3_int64 size) {
    if (should_fail()) {
        return SQLITE_IOERR_TRUNCATE;
    }
    return real_of(f)->pMethods->xTruncate(real_of(f), size);
}

static int f_sync(sqlite3_file *f, int flags) {
    if (should_fail()) {
        return SQLITE_IOERR_FSYNC;
    }
    return real_of(f)->pMethods->xSync(real_of(f), flags);
}

static int f_file_size(sqlite3_file *f, sqlite3_int64 *size) {
    return real_of(f)->pMethods->xFileSize(real_of(f), size);
}

static int f_lock(sqlite3_file *f, int level) {
    return real_of(f)->pMethods->xLock(real_of(f), level);
}

static int f_unlock(sqlite3_file *f, int level) {
    return real_of(f)->pMethods->xUnlock(real_of(f), level);
}

static int f_check_reserved_lock(sqlite3_file *f, int *out) {
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}

static int f_file_control(sqlite3_file *f, int op, void *arg) {
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}

static int f_sector_size(sqlite3_file *f) {
    return real_of(f)->pMethods->xSectorSize(real_of(f));
}

static int f_device_characteristics(sqlite3_file *f) {
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}

/* Version 2 methods (the WAL index in shared memory); SQLite calls them only when present. */
static int f_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out) {
    sqlite3_file *r = real_of(f);
    return r->pMethods->iVersion >= 2 ? r->pMethods->xShmMap(r, region, size, extend, out)
                                      : SQLITE_IOERR_SHMMAP;
}

static int f_shm_lock(sqlite3_file *f, int offset, int n, int flags) {
    sqlite3_file *r = real_of(f);
    return r->pMethods->iVersion >= 2 ? r->pMethods->xShmLock(r, offset, n, flags)
                                      : SQLITE_IOERR_SHMLOCK;
}

static void f_shm_barrier(sqlite3_file *f) {
    sqlite3_file *r = real_of(f);
    if (r->pMethods->iVersion >= 2) {
        r->pMethods->xShmBarrier(r);
    }
}

static int f_shm_unmap(sqlite3_file *f, int delete_flag) {
    sqlite3_file *r = real_of(f);
    return r->pMethods->iVersion >= 2 ? r->pMethods->xShmUnmap(r, delete_flag) : SQLITE_OK;
}

/* Version 3 methods (memory-mapped reads). Without them SQLite reads through xRead. */
static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **out) {
    sqlite3_file *r = real_of(f);
    if (r->pMethods->iVersion >= 3) {
        return r->pMethods->xFetch(r, off, n, out);
    }
    *out = 0;
    return SQLITE_OK;
}

static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p) {
    sqlite3_file *r = real_of(f);
    return r->pMethods->iVersion >= 3 ? r->pMethods->xUnfetch(r, off, p) : SQLITE_OK;
}

static const sqlite3_io_methods fault_io = {
    .iVersion = 3,
    .xClose = f_close,
    .xRead = f_read,
    .xWrite = f_write,
    .xTruncate = f_truncate,
    .xSync = f_sync,
    .xFileSize = f_file_size,
    .xLock = f_lock,
    .xUnlock = f_unlock,
    .xCheckReservedLock = f_check_reserved_lock,
    .xFileControl = f_file_control,
    .xSectorSize = f_sector_size,
    .xDeviceCharacteristics = f_device_characteristics,
    .xShmMap = f_shm_map,
    .xShmLock = f_shm_lock,
    .xShmBarrier = f_shm_barrier,
    .xShmUnmap = f_shm_unmap,
    .xFetch = f_fetch,
    .xUnfetch = f_unfetch,
};

/* ---- the VFS methods: all passed through to the wrapped VFS ---- */

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                  int *out_flags) {
    (void)vfs;
    struct fault_file *f = (struct fault_file *)file;
    f->real = (sqlite3_file *)(f + 1);
    int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
    /* SQLite calls xClose after a failed open only when pMethods is set: mirror the real one. */
    f->base.pMethods = f->real->pMethods ? &fault_io : 0;
    return rc;
}

static int v_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
    (void)vfs;
    return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int v_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out) {
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *v_dl_open(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return real_vfs->xDlOpen(real_vfs, name);
}

static void v_dl_error(sqlite3_vfs *vfs, int n, char *out) {
    (void)vfs;
    real_vfs->xDlError(real_vfs, n, out);
}

static void (*v_dl_sym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    (void)vfs;
    return real_vfs->xDlSym(real_vfs, handle, symbol);
}

static void v_dl_close(sqlite3_vfs *vfs, void *handle) {
    (void)vfs;
    real_vfs->xDlClose(real_vfs, handle);
}

static int v_randomness(sqlite3_vfs *vfs, int n, char *out) {
    (void)vfs;
    return real_vfs->xRandomness(real_vfs, n, out);
}

static int v_sleep(sqlite3_vfs *vfs, int us) {
    (void)vfs;
    return real_vfs->xSleep(real_vfs, us);
}

static int v_current_time(sqlite3_vfs *vfs, double *out) {
    (void)vfs;
    return real_vfs->xCurrentTime(real_vfs, out);
}

static int v_get_last_error(sqlite3_vfs *vfs, int n, char *out) {
    (void)vfs;
    return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, out) : 0;
}

static int v_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    (void)vfs;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static void register_shim(void) {
    real_vfs = sqlite3_vfs_find(0);
    /* Versions 2 and 3 of the interface are what the unix VFS offers and the shim forwards. */
    if (!real_vfs || real_vfs->iVersion < 2) {
        return;
    }
    fault_vfs_object = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(struct fault_file) + real_vfs->szOsFile,
        .mxPathname = real_vfs->mxPathname,
        .zName = DORF_FAULT_VFS_NAME,
        .xOpen = v_open,
        .xDelete = v_delete,
        .xAccess = v_access,
        .xFullPathname = v_full_pathname,
        .xDlOpen = v_dl_open,
        .xDlError = v_dl_error,
        .xDlSym = v_dl_sym,
        .xDlClose = v_dl_close,
        .xRandomness = v_randomness,
        .xSleep = v_sleep,
        .xCurrentTime = v_current_time,
        .xGetLastError = v_get_last_error,
        .xCurrentTimeInt64 = v_current_time_int64,
    };
    registered = sqlite3_vfs_register(&fault_vfs_object, 0) == SQLITE_OK;
}

const char *dorf_fault_vfs(void) {
    if (pthread_once(&register_once, register_shim) != 0 || !registered) {
        return 0;
    }
    return DORF_FAULT_VFS_NAME;
}
