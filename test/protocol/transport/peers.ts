/**
 * Peer codecs for agreement tests (and bench/transport.ts): GramJS's packet codecs, instantiated without sockets.
 * telegram/network/index.js must load first: importing a connection file directly hits a CommonJS import cycle.
 */
import 'telegram/network/index.js'
import { AbridgedPacketCodec } from 'telegram/network/connection/TCPAbridged.js'
import { FullPacketCodec } from 'telegram/network/connection/TCPFull.js'

export { ConnectionTCPObfuscated } from 'telegram/network/index.js'
export { ConnectionTCPMTProxyAbridged } from 'telegram/network/connection/TCPMTProxy.js'

/** A reader over fixed bytes with the methods GramJS codecs call (read, readExactly). */
export class BufferReader {
  #pos = 0
  constructor(readonly data: Buffer) {}
  async read(n: number): Promise<Buffer> {
    return this.readExactly(n)
  }
  async readExactly(n: number): Promise<Buffer> {
    if (this.#pos + n > this.data.length) throw new Error('BufferReader: out of data')
    const out = this.data.subarray(this.#pos, this.#pos + n)
    this.#pos += n
    return out
  }
}

/** GramJS's abridged codec (no marker: GramJS writes the 0xef tag separately). */
export function gramAbridged(): AbridgedPacketCodec {
  return new AbridgedPacketCodec(undefined as never)
}

/** GramJS's full codec. */
export function gramFull(): FullPacketCodec {
  return new FullPacketCodec(undefined as never)
}
