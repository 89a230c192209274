/*
 * http_api.c - the JSON API (http_api.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "http_api.h"
#include "http_store.h"
#include "log.h"
#include "pyfmt.h"
#include "result.h"

#define HOUR_MS	(3600 * 1000)

static cJSON *
checked(cJSON *j)
{
	if (j == NULL)
		fatal("out of memory");
	return j;
}

/* A value as the MQTT outputs print it (Python's repr for floats). */
static cJSON *
value_json(const struct value *v)
{
	char b[40];

	switch (v->type) {
	case V_INT:
		return checked(cJSON_CreateRaw(v->s != NULL ? v->s : "null"));
	case V_FLOAT:
		if (isnan(v->f) || isinf(v->f))
			return checked(cJSON_CreateNull());
		py_float_repr(v->f, b, sizeof(b));
		return checked(cJSON_CreateRaw(b));
	case V_STR:
		return checked(cJSON_CreateString(v->s != NULL ? v->s : ""));
	default:
		return checked(cJSON_CreateNull());
	}
}

static const char *
status_text(const struct hres_snap *h)
{
	if (!h->valid)
		return "none";
	return h->status > 0 ? "ok" : h->status == 0 ? "refused" : "no answer";
}

static cJSON *
device_json(const struct hdev_snap *d, int64_t now)
{
	cJSON *o = checked(cJSON_CreateObject()), *res;

	cJSON_AddStringToObject(o, "name", d->name);
	if (d->online < 0)
		cJSON_AddNullToObject(o, "online");
	else
		cJSON_AddBoolToObject(o, "online", d->online);
	if (d->last_ms == 0)
		cJSON_AddNullToObject(o, "last_poll");
	else
		cJSON_AddNumberToObject(o, "last_poll", (double)d->last_ms / 1000.0);
	if (d->ok_ms == 0) {
		cJSON_AddNullToObject(o, "last_reading");
		cJSON_AddNullToObject(o, "age_seconds");
	} else {
		cJSON_AddNumberToObject(o, "last_reading", (double)d->ok_ms / 1000.0);
		cJSON_AddNumberToObject(o, "age_seconds",
		    (double)(now - d->ok_ms) / 1000.0);
	}
	cJSON_AddNumberToObject(o, "polls", (double)d->polls);
	cJSON_AddNumberToObject(o, "errors", (double)d->errors);
	cJSON_AddNumberToObject(o, "commands", (double)d->commands);
	res = cJSON_AddArrayToObject(o, "results");
	for (int k = 0; k < d->nres; k++) {
		const struct hres_snap *h = &d->res[k];
		cJSON *r = checked(cJSON_CreateObject()), *vals;

		cJSON_AddStringToObject(r, "command", h->cmd);
		if (h->valid)
			cJSON_AddNumberToObject(r, "time", (double)h->t_ms / 1000.0);
		else
			cJSON_AddNullToObject(r, "time");
		cJSON_AddStringToObject(r, "status", status_text(h));
		vals = cJSON_AddArrayToObject(r, "values");
		for (int i = 0; i < h->r.n; i++) {
			const struct entry *e = &h->r.e[i];
			cJSON *v = checked(cJSON_CreateObject());

			cJSON_AddStringToObject(v, "name", e->key);
			cJSON_AddItemToObject(v, "value", value_json(&e->v));
			cJSON_AddStringToObject(v, "unit",
			    e->kind == ENT_LIST && e->unit != NULL ? e->unit : "");
			cJSON_AddItemToArray(vals, v);
		}
		cJSON_AddItemToArray(res, r);
	}
	return o;
}

static char *
print(cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);

	if (s == NULL)
		fatal("out of memory");
	cJSON_Delete(j);
	return s;
}

char *
hapi_devices(struct hstore *s)
{
	cJSON *root = checked(cJSON_CreateObject()), *arr;
	int64_t now = hstore_now_ms();

	cJSON_AddNumberToObject(root, "time", (double)now / 1000.0);
	arr = cJSON_AddArrayToObject(root, "devices");
	for (int i = 0; i < hstore_count(s); i++) {
		struct hdev_snap d;
		hstore_snap(s, i, &d);
		cJSON_AddItemToArray(arr, device_json(&d, now));
		hstore_snap_free(&d);
	}
	return print(root);
}

char *
hapi_device(struct hstore *s, const char *name)
{
	struct hdev_snap d;
	cJSON *o;
	int i = hstore_find(s, name);

	if (i < 0)
		return NULL;
	hstore_snap(s, i, &d);
	o = device_json(&d, hstore_now_ms());
	hstore_snap_free(&d);
	return print(o);
}

static void
add_num_or_null(cJSON *a, float v)
{
	if (isnan(v))
		cJSON_AddItemToArray(a, checked(cJSON_CreateNull()));
	else
		cJSON_AddItemToArray(a, checked(cJSON_CreateNumber(v)));
}

char *
hapi_history(struct hstore *s, const char *name)
{
	static const char *const series[HS_N] = {
		"pv_w", "load_w", "grid_w", "battery_w", "battery_pct",
	};
	int i = hstore_find(s, name), n;
	int64_t now = hstore_now_ms();
	struct hsample *smp;
	cJSON *root, *ser, *arr;

	if (i < 0)
		return NULL;
	n = hstore_history(s, i, now - HOUR_MS, &smp);
	root = checked(cJSON_CreateObject());
	cJSON_AddStringToObject(root, "name", hstore_name(s, i));
	cJSON_AddNumberToObject(root, "time", (double)now / 1000.0);
	ser = checked(cJSON_CreateStringArray(series, HS_N));
	cJSON_AddItemToObject(root, "series", ser);
	arr = cJSON_AddArrayToObject(root, "samples");
	for (int k = 0; k < n; k++) {
		cJSON *row = checked(cJSON_CreateArray());
		cJSON_AddItemToArray(row,
		    checked(cJSON_CreateNumber((double)smp[k].t_ms / 1000.0)));
		for (int j = 0; j < HS_N; j++)
			add_num_or_null(row, smp[k].v[j]);
		cJSON_AddItemToArray(arr, row);
	}
	free(smp);
	return print(root);
}
