/*
 * openapi.h: the OpenAPI 3 document of the API, built from the route tables (openapi.c).
 */
#ifndef DORF_API_OPENAPI_H
#define DORF_API_OPENAPI_H

#include <jansson.h>

/* A new reference to the document; NULL out of memory. */
json_t *api_openapi_document(void);

#endif
