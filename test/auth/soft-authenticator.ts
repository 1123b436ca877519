// A software WebAuthn authenticator for the tests: makes ES256 passkeys with
// "none" attestation and signs sign-in challenges, as a platform
// authenticator with user verification would. Its counter moves on with
// every use; a test may clone it to play a copied authenticator.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";

type Credential = { privateKey: KeyObject; userHandle: string; counter: number; rpId: string };
const b64url = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest();
const uint32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** Flags: user present, user verified, attested credential data. */
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

export class SoftAuthenticator {
  readonly credentials = new Map<string, Credential>();

  constructor(private readonly origin: string) {}

  /** navigator.credentials.create(), as @simplewebauthn/browser returns it. */
  create(options: { challenge: string; rp: { id?: string }; user: { id: string } }, { verified = true } = {}) {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const cose = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(Buffer.from(jwk.x!, "base64url"))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, "base64url"))],
    ]);
    const credentialId = randomBytes(16);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([UP | (verified ? UV : 0) | AT]), uint32(0), Buffer.alloc(16), idLength, credentialId, Buffer.from(isoCBOR.encode(cose))]);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", new Uint8Array(authData)],
      ]) as never,
    );
    const clientDataJSON = JSON.stringify({ type: "webauthn.create", challenge: options.challenge, origin: this.origin, crossOrigin: false });
    this.credentials.set(b64url(credentialId), { privateKey, userHandle: options.user.id, counter: 0, rpId });
    return {
      id: b64url(credentialId),
      rawId: b64url(credentialId),
      type: "public-key" as const,
      response: { clientDataJSON: b64url(Buffer.from(clientDataJSON)), attestationObject: b64url(attestationObject), transports: ["internal"] },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** navigator.credentials.get() with the first (or the named) passkey it holds. */
  get(options: { challenge: string; rpId?: string }, { credentialId, origin = this.origin, verified = true }: { credentialId?: string; origin?: string; verified?: boolean } = {}) {
    const id = credentialId ?? [...this.credentials.keys()][0]!;
    const credential = this.credentials.get(id)!;
    credential.counter += 1;
    const authData = Buffer.concat([sha256(options.rpId ?? credential.rpId), Buffer.from([UP | (verified ? UV : 0)]), uint32(credential.counter)]);
    const clientDataJSON = Buffer.from(JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin, crossOrigin: false }));
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    return {
      id,
      rawId: id,
      type: "public-key" as const,
      response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authData), signature: b64url(signature), userHandle: credential.userHandle },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** Sets a passkey's counter back, as a cloned authenticator would have it. */
  rewind(credentialId: string, counter: number) {
    this.credentials.get(credentialId)!.counter = counter;
  }
}
