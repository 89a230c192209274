/*
 * fuzz_topic.c - topic filter handling: a command-topic template expanded
 * with a host and device name, validated as a filter, and matched against
 * a topic, as the router does for every incoming message.  Input: template,
 * NUL, device, NUL, topic.  Contract checked: a topic that libmosquitto
 * accepts as a publish topic and that equals the expanded filter (without
 * wildcards) always matches it.  And topic_overlap(): symmetric for two
 * valid filters (the expanded one and the topic read as a filter), and
 * never "no overlap" for a filter and a topic that matches it.
 */
#include <mosquitto.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "topic_overlap.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *tmpl, *dev, *topic, *filter;
	size_t n1, n2;
	bool match = false;

	if (size > 4096)
		return 0;
	buf = malloc(size + 3);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = buf[size + 2] = '\0';
	tmpl = buf;
	n1 = strlen(tmpl);
	dev = tmpl + n1 + (n1 < size ? 1 : 0);
	n2 = strlen(dev);
	topic = dev + n2 + 1;
	if ((size_t)(topic - buf) > size)
		topic = buf + size;
	filter = ident_expand(tmpl, "host", dev);
	if (filter != NULL) {
		if (mosquitto_sub_topic_check(filter) == MOSQ_ERR_SUCCESS &&
		    mosquitto_pub_topic_check(topic) == MOSQ_ERR_SUCCESS) {
			if (mosquitto_topic_matches_sub(filter, topic, &match) ==
			    MOSQ_ERR_SUCCESS && strcmp(filter, topic) == 0 && !match)
				abort();
		}
		if (mosquitto_sub_topic_check(filter) == MOSQ_ERR_SUCCESS &&
		    mosquitto_sub_topic_check(topic) == MOSQ_ERR_SUCCESS &&
		    topic_overlap(filter, topic) !=
		    topic_overlap(topic, filter))
			abort();
		if (mosquitto_sub_topic_check(filter) == MOSQ_ERR_SUCCESS &&
		    mosquitto_pub_topic_check(topic) == MOSQ_ERR_SUCCESS &&
		    mosquitto_topic_matches_sub(filter, topic, &match) ==
		    MOSQ_ERR_SUCCESS && match && !topic_overlap(filter, topic))
			abort();
		free(filter);
	}
	free(buf);
	return 0;
}
