/*
 * conn_int.h - the insides of one broker connection, shared by its two
 * halves and by nothing else: mqtt_conn.c (creation, settings, the public
 * publish/subscribe calls and libmosquitto's callbacks) and conn_thread.c
 * (the network thread: connect, loop, retry policy, stop).
 *
 * Locking rules are at the top of mqtt_conn.c.
 */
#ifndef MPPD_CONN_INT_H
#define MPPD_CONN_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtt_conn.h"

struct mosquitto;
struct outbox;

/* mosquitto_loop() timeout: bounds how late a stop request is seen. */
#define CONN_LOOP_MS		200
/* After DISCONNECT is queued: time allowed to write it. */
#define CONN_DISC_GRACE_MS	1000

struct conn_sub {
	char	*filter;
	int	 qos;
	int	 no_local;	/* MQTT 5: not our own publications */
	int	 mid;	/* of its last SUBSCRIBE, for the SUBACK */
};

/* Messages on filter go to fn (conn_route). */
struct conn_route {
	char		*filter;
	conn_msg_fn	 fn;
	void		*arg;
};

/* How the last connection attempt ended (network thread only). */
struct conn_attempt {
	int	 connack;	/* CONNACK success seen */
	int64_t	 up_ms;		/* when */
	int	 refused;	/* CONNACK reason code, 0 = none */
	int	 disc_rc;	/* on_disconnect rc, -1 = not called */
	int	 err_no;	/* errno when the connection ended */
};

struct mqtt_conn {
	/* Immutable after conn_new(). */
	struct mosquitto	*mosq;
	char			*host;
	int			 port;
	char			*user;
	int			 keepalive;
	int			 protocol;	/* 4 or 5 */
	int			 tls;
	int			 oneshot;
	double			 rmin, rmax;
	char			*client_id;
	char			*name;		/* "host:port" */
	char			*status_topic;
	char			*error_topic;	/* refusals by the broker */
	conn_msg_fn		 on_msg;
	conn_up_fn		 on_up;
	void			*arg;

	/* Main thread only. */
	pthread_t		 thread;
	int			 started;
	int			 stopped;

	/* Network thread only. */
	struct conn_attempt	 att;
	uint32_t		 seed;
	double			 flap;		/* backoff_session_end() state */
	int			 drops;
	unsigned long		 session;	/* CONNACKs seen */

	pthread_mutex_t		 mtx;
	pthread_cond_t		 cv;
	/* Under mtx. */
	int			 connected;	/* CONNACK seen, not yet lost */
	int			 stopping;
	int64_t			 deadline_ms;	/* of the stop flush */
	int			 finished;	/* network thread done */
	int			 undelivered;	/* set when finished */
	struct conn_sub		*subs;
	int			 nsubs;
	struct conn_route	*routes;
	int			 nroutes;
	struct conn_route	 rest;		/* conn_route_rest, fn NULL: none */
	struct outbox		*ob;		/* what the broker is still owed */
	size_t			 cfg_max_packet; /* mqtt_max_packet, 0: none */
	/*
	 * 1 while the network thread is inside mosquitto_(re)connect_async:
	 * QoS 1/2 messages are deferred in the outbox meanwhile, see
	 * conn_win_flush().
	 */
	int			 connecting;
	long			 pre_dropped;
	int64_t			 pre_warn_ms;
	int64_t			 q1_warn_ms;
	long			 q1_refused;

	pthread_mutex_t		 errmtx;
	char			 last_err[256];	/* libmosquitto's last error */
};

/* mqtt_conn.c, for the network thread. */

/* Hands one message to libmosquitto and records it in the outbox.  mtx
 * held.  Returns a MOSQ_ERR_* code. */
int	conn_pub_locked(struct mqtt_conn *c, const char *topic,
	    const void *payload, size_t len, int qos, int retain,
	    const void *corr, size_t corrlen);
/* The connection is lost: its QoS 0 messages in libmosquitto too.  mtx
 * held. */
void	conn_forget_q0(struct mqtt_conn *c);
/* Publishes the messages deferred during the connect call.  mtx held. */
void	conn_win_flush(struct mqtt_conn *c);
/* libmosquitto's last error line (e.g. OpenSSL's reason). */
void	conn_last_err(struct mqtt_conn *c, char *buf, size_t n);
/*
 * Forgets the last error line and listens to libmosquitto's log again:
 * called as an attempt starts (network thread).  Once a session is up
 * the log is only listened to at debug level (conn_on_connect).
 */
void	conn_log_listen(struct mqtt_conn *c);
/* Messages not yet delivered.  mtx held. */
int	conn_pending_count(const struct mqtt_conn *c);

/* conn_thread.c */

/* The network thread's body (arg: the connection). */
void	*conn_thread(void *arg);

#endif
