/*
 * fuzz_store_location.c: libFuzzer target for dorf_store_redact_location (engine/
 * store_location.c), which reads every --db a user gives: a file path, a postgresql:// URI
 * or libpq keywords, with quotes and backslash escapes. Checks, beyond "no crash": the output
 * is terminated within its buffer and, when the whole of it fits, no longer than the input;
 * redacting twice gives what redacting once gave (nothing left that looks like a password);
 * a location that is not PostgreSQL's comes back unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dorf/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1024) {
        return 0;
    }
    char *in = malloc(size + 1);
    if (!in) {
        return 0;
    }
    memcpy(in, data, size);
    in[size] = '\0';
    char once[2048];
    char twice[2048];
    char small[16];
    memset(small, 'x', sizeof small);
    dorf_store_redact_location(in, once, sizeof once);
    dorf_store_redact_location(once, twice, sizeof twice);
    dorf_store_redact_location(in, small, sizeof small);
    if (strlen(once) > strlen(in) || memchr(small, '\0', sizeof small) == NULL) {
        abort();
    }
    if (strcmp(once, twice) != 0) {
        abort();
    }
    if (!dorf_store_is_postgres(in) && strcmp(once, in) != 0) {
        abort();
    }
    free(in);
    return 0;
}
