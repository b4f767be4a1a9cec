/**
 * 2FA SRP for passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow: the client proof (A, M1) for
 * inputCheckPasswordSRP, the password verifier v (new_password_hash), and the server side that issues B and checks
 * M1 (for the loopback server).
 *
 * Spec: https://core.telegram.org/api/srp (SH, PH1, PH2, k, u, t, s_a, k_a, M1 and the checks on g, p and g_b).
 */
import { timingSafeEqual } from 'node:crypto'
import { ArgumentError } from '../../errors.js'
import { SecurityError } from '../errors.js'
import type { RandomSource } from '../random.js'
import { bigIntFromBytes, bigIntToBytes } from './dh-bigint.js'
import { checkDhParams, checkDhValue } from './dh.js'
import { modPow } from './dh-modpow.js'
import type { CryptoProvider } from './provider.js'

/** SRP values are 2048-bit numbers, padded to this many bytes wherever they are hashed or sent. */
export const SRP_BYTES = 256
/** PBKDF2 iteration count fixed by the algorithm's name (iter100000). */
export const SRP_PBKDF2_ITERATIONS = 100000

/** The algorithm parameters from account.password.current_algo. */
export interface SrpAlgo {
  readonly salt1: Uint8Array
  readonly salt2: Uint8Array
  readonly g: number
  /** The 2048-bit prime p, big-endian (256 bytes). */
  readonly p: Uint8Array
}

function encodePassword(password: string | Uint8Array): Uint8Array {
  return typeof password === 'string' ? new TextEncoder().encode(password) : password
}

function pad(v: bigint): Uint8Array {
  return bigIntToBytes(v, SRP_BYTES)
}

/** SH(data, salt) = SHA256(salt + data + salt). */
function sh(crypto: CryptoProvider, data: Uint8Array, salt: Uint8Array): Uint8Array {
  return crypto.sha256(salt, data, salt)
}

/**
 * x = PH2(password, salt1, salt2) = SH(PBKDF2-HMAC-SHA512(PH1, salt1, 100000), salt2), with
 * PH1 = SH(SH(password, salt1), salt2). Returned as 32 bytes (the spec reads it as a big-endian integer).
 * This is the slow step (~100k HMAC-SHA512 rounds).
 */
export function srpPasswordHash(crypto: CryptoProvider, password: string | Uint8Array, salt1: Uint8Array, salt2: Uint8Array): Uint8Array {
  const ph1 = sh(crypto, sh(crypto, encodePassword(password), salt1), salt2)
  return sh(crypto, crypto.pbkdf2Sha512(ph1, salt1, SRP_PBKDF2_ITERATIONS), salt2)
}

function pBig(algo: SrpAlgo, check: boolean): bigint {
  if (algo.p.length !== SRP_BYTES) throw new ArgumentError(`SRP p must be ${SRP_BYTES} bytes, got ${algo.p.length}`, 'p')
  if (!Number.isInteger(algo.g) || algo.g < 2) throw new SecurityError('bad-dh-g', `SRP g = ${algo.g} is invalid`, { g: algo.g })
  return check ? checkDhParams(algo.g, algo.p) : bigIntFromBytes(algo.p)
}

/** v = g^x mod p as 256 bytes: what account.updatePasswordSettings sends as new_password_hash. */
export function srpVerifier(algo: SrpAlgo, x: Uint8Array, opts: { checkParams?: boolean } = {}): Uint8Array {
  const p = pBig(algo, opts.checkParams !== false)
  return pad(modPow(BigInt(algo.g), bigIntFromBytes(x), p))
}

/** k = H(p + pad(g)). */
function srpK(crypto: CryptoProvider, algo: SrpAlgo): bigint {
  return bigIntFromBytes(crypto.sha256(algo.p, pad(BigInt(algo.g))))
}

function srpM1(crypto: CryptoProvider, algo: SrpAlgo, A: Uint8Array, B: Uint8Array, S: bigint): Uint8Array {
  const hp = crypto.sha256(algo.p)
  const hg = crypto.sha256(pad(BigInt(algo.g)))
  for (let i = 0; i < hp.length; i++) hp[i] = (hp[i] ?? 0) ^ (hg[i] ?? 0)
  const K = crypto.sha256(pad(S))
  return crypto.sha256(hp, crypto.sha256(algo.salt1), crypto.sha256(algo.salt2), A, B, K)
}

/** The client's proof for inputCheckPasswordSRP. */
export interface SrpProof {
  /** A = g^a mod p, 256 bytes. */
  readonly A: Uint8Array
  /** M1, 32 bytes. */
  readonly M1: Uint8Array
}

/** 256 random bytes for the client secret a. */
export function srpRandomSecret(random: RandomSource): Uint8Array {
  const a = new Uint8Array(SRP_BYTES)
  random(a)
  return a
}

/**
 * Computes A and M1 from the precomputed x ({@link srpPasswordHash}), the server's srp_B and the secret a.
 * Unless `checkParams` is false (only for published toy vectors), checks p (safe 2048-bit prime), g, and
 * srp_B's range, each failure a SecurityError; u = 0 is 'bad-srp'.
 */
export function srpClientProofFromHash(
  crypto: CryptoProvider,
  algo: SrpAlgo,
  x: Uint8Array,
  srpB: Uint8Array,
  a: Uint8Array,
  opts: { checkParams?: boolean } = {},
): SrpProof {
  const check = opts.checkParams !== false
  const p = pBig(algo, check)
  const g = BigInt(algo.g)
  const bBig = bigIntFromBytes(srpB)
  if (check) checkDhValue(bBig, p, 'srp_B')
  else if (bBig <= 0n || bBig >= p) throw new SecurityError('bad-dh-range', 'srp_B is not in 0 < B < p', { value: 'srp_B' })
  const aBig = bigIntFromBytes(a)
  const A = pad(modPow(g, aBig, p))
  const B = pad(bBig)
  const u = bigIntFromBytes(crypto.sha256(A, B))
  if (u === 0n) throw new SecurityError('bad-srp', 'SRP u = H(A | B) is zero')
  const xBig = bigIntFromBytes(x)
  const v = modPow(g, xBig, p)
  const kv = (srpK(crypto, algo) * v) % p
  const t = (((bBig - kv) % p) + p) % p
  const S = modPow(t, aBig + u * xBig, p)
  return { A, M1: srpM1(crypto, algo, A, B, S) }
}

/** {@link srpPasswordHash} then {@link srpClientProofFromHash}. */
export function srpClientProof(
  crypto: CryptoProvider,
  algo: SrpAlgo,
  password: string | Uint8Array,
  srpB: Uint8Array,
  a: Uint8Array,
  opts: { checkParams?: boolean } = {},
): SrpProof {
  return srpClientProofFromHash(crypto, algo, srpPasswordHash(crypto, password, algo.salt1, algo.salt2), srpB, a, opts)
}

/** Server side: B = (k*v + g^b) mod p as 256 bytes, from the stored verifier v and a secret b. */
export function srpServerB(crypto: CryptoProvider, algo: SrpAlgo, verifier: Uint8Array, b: Uint8Array): Uint8Array {
  const p = bigIntFromBytes(algo.p)
  const v = bigIntFromBytes(verifier)
  return pad((srpK(crypto, algo) * v + modPow(BigInt(algo.g), bigIntFromBytes(b), p)) % p)
}

/**
 * Server side: checks the client's A (range) and M1 against S = (A * v^u)^b mod p. Throws SecurityError
 * 'bad-dh-range' for a bad A and 'bad-srp' when M1 does not match (wrong password or forged proof).
 */
export function srpServerVerify(
  crypto: CryptoProvider,
  algo: SrpAlgo,
  verifier: Uint8Array,
  b: Uint8Array,
  proof: SrpProof,
): void {
  const p = bigIntFromBytes(algo.p)
  if (proof.A.length !== SRP_BYTES || proof.M1.length !== 32) throw new SecurityError('bad-srp', 'SRP proof has wrong sizes')
  const aBig = checkDhValue(proof.A, p, 'srp_A')
  const B = srpServerB(crypto, algo, verifier, b)
  const u = bigIntFromBytes(crypto.sha256(proof.A, B))
  if (u === 0n) throw new SecurityError('bad-srp', 'SRP u = H(A | B) is zero')
  const v = bigIntFromBytes(verifier)
  const S = modPow((aBig * modPow(v, u, p)) % p, bigIntFromBytes(b), p)
  const expected = srpM1(crypto, algo, proof.A, B, S)
  if (!timingSafeEqual(expected, proof.M1)) throw new SecurityError('bad-srp', 'SRP M1 does not match')
}
