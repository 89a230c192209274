'use strict'
// aedes-node.js - one MQTT broker node for the scenario tests: aedes on
// 127.0.0.1:PORT, and, with --redis, its persistence (sessions, retained
// messages, queued QoS 1/2 messages) and its message bus on a redis-server
// shared with the other nodes, which makes the nodes one cluster.
//
// Usage: node aedes-node.js --port N [--redis PORT] [--id NAME]
//                            [--deny-subscribe FILTER]
//
// --deny-subscribe refuses every subscription to FILTER (SUBACK 0x80, as a
// broker's ACL does), for the tests of how mppd reports it.
//
// Logs to stdout, one line per event, in the words mosquitto uses with
// "log_type all", so that the tests read either broker's log the same way:
//   <time>: New client connected from 127.0.0.1:P as ID (p4, c0, k30).
//   <time>: ID 1 some/filter          (a subscription, as mosquitto logs it)
//   <time>: \tsome/filter (QoS 1)     (the same, as "Received SUBSCRIBE" lists it)
//   <time>: Received PUBLISH from ID (d0, q1, r0, m3, 'topic', ... (5 bytes))
//   <time>: Client ID disconnected.
// and "aedes-node NAME: ready on PORT" once it accepts connections.
//
// SIGUSR1 is a fault for the failover tests: from then on the node no
// longer records the PUBACKs of its clients (it still delivers and logs
// them), so the QoS 1 messages it delivered stay queued in the shared
// persistence, as they do when a node dies between delivering a message
// and recording its acknowledgement.  Another node then delivers them
// again to the client's session when it reconnects there.
const net = require('net')

function usage (msg) {
  process.stderr.write('aedes-node: ' + msg + '\n' +
    'usage: node aedes-node.js --port N [--redis PORT] [--id NAME] ' +
    '[--deny-subscribe FILTER]\n')
  process.exit(2)
}

const opt = { port: 0, redis: 0, id: '', denySub: '' }
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i]
  const v = process.argv[i + 1]
  if (v === undefined) usage('missing value for ' + k)
  if (k === '--port') opt.port = Number(v)
  else if (k === '--redis') opt.redis = Number(v)
  else if (k === '--id') opt.id = v
  else if (k === '--deny-subscribe') opt.denySub = v
  else usage('unknown option ' + k)
}
if (!(opt.port > 0 && opt.port < 65536)) usage('--port must be a TCP port')
if (opt.id === '') opt.id = 'aedes-' + opt.port

const brokerOpts = { id: opt.id }
if (opt.redis > 0) {
  const redis = { host: '127.0.0.1', port: opt.redis }
  brokerOpts.mq = require('mqemitter-redis')(Object.assign({}, redis))
  brokerOpts.persistence = require('aedes-persistence-redis')(
    Object.assign({}, redis))
}
const aedes = require('aedes')(brokerOpts)

if (opt.denySub !== '') {
  aedes.authorizeSubscribe = function (client, sub, cb) {
    if (sub.topic === opt.denySub) {
      log('Denied SUBSCRIBE from ' + idOf(client) + ' to ' + sub.topic)
      return cb(null, null) // SUBACK 0x80
    }
    cb(null, sub)
  }
}

process.on('SIGUSR1', function () {
  // The acknowledged packet stays in the client's outgoing queue.
  aedes.persistence.outgoingClearMessageId = function (client, packet, cb) {
    cb(null, packet)
  }
  log('aedes-node ' + opt.id + ': PUBACKs are no longer recorded')
})

function log (line) {
  process.stdout.write(Math.floor(Date.now() / 1000) + ': ' + line + '\n')
}

function idOf (client) {
  return client ? client.id : '(broker)'
}

aedes.on('clientReady', function (client) {
  const c = client.clean ? 1 : 0
  // aedes keeps 1.5 x keepalive + 1 ms, or -1 for none
  const k = client._keepaliveInterval > 0
    ? Math.round((client._keepaliveInterval - 1) / 1500)
    : 0
  const from = client.conn && client.conn.remoteAddress
    ? client.conn.remoteAddress + ':' + client.conn.remotePort
    : '?'
  log('New client connected from ' + from + ' as ' + client.id +
    ' (p' + client.version + ', c' + c + ', k' + k + ').')
})

aedes.on('clientDisconnect', function (client) {
  log('Client ' + client.id + ' disconnected.')
})

aedes.on('clientError', function (client, err) {
  log('Client ' + idOf(client) + ' error: ' + err.message)
})

aedes.on('subscribe', function (subs, client) {
  log('Received SUBSCRIBE from ' + idOf(client))
  for (const s of subs) {
    log('\t' + s.topic + ' (QoS ' + s.qos + ')')
    log(idOf(client) + ' ' + s.qos + ' ' + s.topic)
  }
})

aedes.on('publish', function (packet, client) {
  if (!client) return // the broker's own $SYS traffic
  const len = packet.payload ? packet.payload.length : 0
  log('Received PUBLISH from ' + client.id + ' (d' + (packet.dup ? 1 : 0) +
    ', q' + packet.qos + ', r' + (packet.retain ? 1 : 0) + ', m' +
    (packet.messageId || 0) + ", '" + packet.topic + "', ... (" + len +
    ' bytes))')
})

aedes.on('ack', function (packet, client) {
  if (packet && packet.messageId !== undefined) {
    log('Received PUBACK from ' + idOf(client) + ' (Mid: ' +
      packet.messageId + ')')
  }
})

const server = net.createServer(aedes.handle)
server.listen(opt.port, '127.0.0.1', function () {
  log('aedes-node ' + opt.id + ': ready on ' + opt.port)
})

function stop () {
  server.close()
  aedes.close(function () { process.exit(0) })
  setTimeout(function () { process.exit(0) }, 2000).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
