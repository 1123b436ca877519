// A DNS server on loopback (UDP) that answers the TXT records a test
// publishes, so domain verification runs through Node's real resolver
// (TOLLGATE_DNS_SERVERS points at it). Other questions get no answer records.
import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import * as dnsPacket from "dns-packet";

export type TestDnsServer = { address: string; publish(name: string, values: string[]): void; close(): Promise<void> };

export async function startDnsServer(port = 0): Promise<TestDnsServer> {
  const records = new Map<string, string[]>();
  const socket = dgram.createSocket("udp4");
  socket.on("message", (message, from) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    const values = question?.type === "TXT" ? (records.get(question.name.toLowerCase()) ?? []) : [];
    const answer = dnsPacket.encode({
      id: query.id,
      type: "response",
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (values.length || !question ? 0 : 3), // 3: NXDOMAIN
      questions: query.questions,
      answers: values.map((data) => ({ type: "TXT" as const, name: question!.name, ttl: 0, class: "IN" as const, data })),
    });
    socket.send(answer, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(port, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${(socket.address() as AddressInfo).port}`,
    publish: (name, values) => records.set(name.toLowerCase(), values),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
