/*
 * topic_overlap.h - whether two MQTT topic filters can match the same
 * topic: the load-time test that no command filter takes mppd's own
 * output and that no two devices take the same command.  Pure.
 */
#ifndef MPPD_TOPIC_OVERLAP_H
#define MPPD_TOPIC_OVERLAP_H

/*
 * 1 when some topic name matches both filters a and b, else 0, by the
 * matching rules of MQTT 3.1.1 section 4.7 (and MQTT 5 section 4.7): '+'
 * matches one level (an empty one too), '#' the parent level and any
 * number of levels below, and neither matches a first level starting
 * with '$'.  a and b should be valid filters (mosquitto_sub_topic_check);
 * for anything else the answer is still defined (every '+' or '#' level
 * is taken as a wildcard, any other text literally).  Any thread.
 */
int	topic_overlap(const char *a, const char *b);

#endif
