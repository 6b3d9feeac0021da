/*
 * fault_vfs.h: database write faults for tests (engine/fault_vfs.c), built only with
 * -DDORF_FAULT_INJECTION (the debug and asan presets).
 *
 * In such a build the SpatiaLite store opens every region file through an SQLite VFS named
 * "dorf-fault" that wraps the default one and counts each xWrite, xSync and xTruncate on the
 * database, its WAL and any journal. A test can make the n-th of them fail with an I/O error,
 * the way SQLite's own test suite injects I/O errors, and so walk every write of a store
 * operation. The counters are process-wide test instrumentation, like dorf_alloc_fail_after().
 */
#ifndef DORF_FAULT_VFS_H
#define DORF_FAULT_VFS_H

#ifdef DORF_FAULT_INJECTION

/* The name under which the shim is registered with SQLite. */
#define DORF_FAULT_VFS_NAME "dorf-fault"

/*
 * Registers the shim with SQLite once per process (thread-safe; later calls only look it up)
 * and returns its name for sqlite3_open_v2(), or NULL when SQLite has no default VFS to wrap
 * or refuses the registration.
 */
const char *dorf_fault_vfs(void);

/*
 * From now on, the `n`-th write, sync or truncate (1-based) through the shim fails with
 * SQLITE_IOERR_WRITE, _FSYNC or _TRUNCATE and, if `sticky`, every one after it as well;
 * n = 0 turns injection off. Returns the number of such calls counted since the last call.
 */
unsigned long dorf_fault_vfs_fail_after(unsigned long n, int sticky);

#endif

#endif
