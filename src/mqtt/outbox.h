/*
 * outbox.h - what one broker connection still owes the broker: the
 * bookkeeping of messages published and not yet delivered, apart from the
 * connection thread that sends them (mqtt_conn.c).
 *
 * Three kinds of pending message:
 *  - held: QoS 0 messages published while disconnected, sent after the
 *    next CONNACK (a daemon's first cycle is not lost while the connection
 *    comes up).  Bounded by OB_HELD_MAX messages and OB_HELD_BYTES bytes;
 *    beyond either the oldest are dropped.
 *  - deferred: QoS 1/2 messages published while the connection thread is
 *    inside libmosquitto's connect call, handed to libmosquitto when it
 *    has returned (mqtt_conn.c, conn_win_flush, says why).
 *  - in the library: messages libmosquitto has taken, by message id, in
 *    two bitmaps (QoS 0 until written, QoS 1/2 until acknowledged).
 *    libmosquitto resends QoS 1/2 ones itself after a reconnect and cannot
 *    drop one it has queued; QoS 0 ones die with the connection.
 *
 * Admission (ob_admit) is where a message is refused before anything is
 * queued: the bound mqtt_queue_max on unacknowledged non-retained QoS 1/2
 * messages, and the broker's maximum packet size (mqtt_max_packet, or
 * the MQTT 5 CONNACK's Maximum Packet Size): a broker drops the
 * connection for a larger packet, and libmosquitto would send it again
 * after every reconnect, so such a message is never queued.
 *
 * Pure: no I/O, no clock, no lock.  The owner (one connection) serialises
 * every call under its own mutex.
 */
#ifndef MPPD_OUTBOX_H
#define MPPD_OUTBOX_H

#include <stddef.h>

/* QoS 0 messages held while disconnected (oldest dropped beyond this). */
#define OB_HELD_MAX	2048
#define OB_HELD_BYTES	(1024 * 1024)

/* One message copied for later (held or deferred). */
struct ob_msg {
	struct ob_msg	*next;
	char		*topic;
	void		*payload;
	size_t		 len;
	void		*corr;		/* MQTT 5 Correlation Data or NULL */
	size_t		 corrlen;
	int		 qos;
	int		 retain;
};

/* ob_admit's verdict on a new message. */
enum ob_verdict {
	OB_ADMIT = 0,
	OB_FULL,	/* mqtt_queue_max non-retained QoS 1/2 messages wait */
	OB_TOO_BIG	/* larger than the broker's maximum packet size */
};

struct outbox;

/* A new, empty outbox; queue_max <= 0 means 1000.  Free with ob_free(). */
struct outbox *ob_new(int queue_max);
/* Frees o and every held and deferred message. */
void	ob_free(struct outbox *o);

/*
 * A copy of one message (payload len bytes, corr corrlen bytes, either may
 * be NULL when its length is 0).  Free with ob_msg_free().
 */
struct ob_msg *ob_msg_new(const char *topic, const void *payload, size_t len,
	    int qos, int retain, const void *corr, size_t corrlen);
void	ob_msg_free(struct ob_msg *m);

/*
 * The size in bytes of the PUBLISH packet carrying a message: topic
 * length tl, payload len, qos, and for MQTT 5 (protocol 5) properties of
 * propslen bytes.
 */
size_t	ob_packet_size(int protocol, size_t tl, size_t len, int qos,
	    size_t propslen);

/* The broker's maximum packet size (0: none) for ob_admit. */
void	ob_set_max_packet(struct outbox *o, size_t max);
size_t	ob_max_packet(const struct outbox *o);

/*
 * May a message of this QoS and retain flag, sent as a packet of
 * packet_size bytes (ob_packet_size), be queued now?  A packet larger
 * than the broker's maximum is never admitted (OB_TOO_BIG).  Otherwise
 * retained QoS 1/2 messages (command answers, discovery, cleared
 * commands) are always admitted: losing one would break "every command
 * gets exactly one answer".  QoS 0 is always admitted (held or sent).
 */
enum ob_verdict ob_admit(const struct outbox *o, int qos, int retain,
	    size_t packet_size);

/*
 * Holds a QoS 0 message (copied) until the next connect, dropping the
 * oldest held ones when a bound is reached; *dropped (may be NULL) is
 * increased by their number.  Returns 0, or -1 when the message alone is
 * larger than OB_HELD_BYTES (nothing changes).
 */
int	ob_hold(struct outbox *o, const char *topic, const void *payload,
	    size_t len, int retain, const void *corr, size_t corrlen,
	    long *dropped);
/* The oldest held message (still owned by o), or NULL. */
const struct ob_msg *ob_held_first(const struct outbox *o);
/* Removes and frees the oldest held message (it was sent or refused). */
void	ob_held_pop(struct outbox *o);
int	ob_held_count(const struct outbox *o);

/* Defers a QoS 1/2 message (copied) until ob_deferred_take(). */
void	ob_defer(struct outbox *o, const char *topic, const void *payload,
	    size_t len, int qos, int retain, const void *corr, size_t corrlen);
/* Removes and returns the oldest deferred message (caller frees), or NULL. */
struct ob_msg *ob_deferred_take(struct outbox *o);

/* libmosquitto took a message with this id and QoS. */
void	ob_sent(struct outbox *o, int mid, int qos);
/* Remembers the topic of QoS 1/2 message mid (copied) until it is
 * delivered, so a refusal in its acknowledgement can name it. */
void	ob_sent_topic(struct outbox *o, int mid, const char *topic);
/*
 * libmosquitto reported message mid delivered (QoS 0 written, QoS 1/2
 * acknowledged).  Returns the QoS class it was recorded under (0 or 1), or
 * -1 for an id not recorded.  With topic non-NULL, *topic is set to the
 * topic remembered by ob_sent_topic (the caller frees it) or NULL.
 */
int	ob_delivered(struct outbox *o, int mid, char **topic);
/*
 * The connection was lost: QoS 0 messages in the library will never be
 * written.  Forgets them and returns how many there were.
 */
int	ob_conn_lost(struct outbox *o);

/* QoS 1/2 messages awaiting the broker: unacknowledged plus deferred. */
int	ob_awaiting(const struct outbox *o);
/* Every message not yet delivered: held, deferred and in the library. */
int	ob_pending(const struct outbox *o);

#endif
