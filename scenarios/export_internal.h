/*
 * export_internal.h: what export.c (the tables) and export_run.c (the whole run) share.
 */
#ifndef DORF_EXPORT_INTERNAL_H
#define DORF_EXPORT_INTERNAL_H

/* cells, totals, orders_weekly, coverage, orders, deliveries */
#define EXPORT_TABLE_COUNT 6

/* The file formats an export may be written in, as dorf_tables_write names them. */
extern const char *const export_formats[4];

#endif
