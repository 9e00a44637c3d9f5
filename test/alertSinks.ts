/**
 * Where the tests' alerts land: a stand-in for a Slack incoming webhook (a real HTTP
 * server that can refuse the first posts, as Slack does when it is down) and a real SMTP
 * server that keeps every mail it accepts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SlackSink {
  url: string;
  /** Messages Slack accepted ("ok"). */
  delivered: { text: string; blocks: unknown[] }[];
  /** Posts refused with a 500 before any was accepted. */
  refused: number;
  close(): Promise<void>;
}

export async function startSlackSink({ refuseFirst = 0 } = {}): Promise<SlackSink> {
  const sink = { delivered: [] as SlackSink['delivered'], refused: 0 };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (sink.refused < refuseFirst) {
        sink.refused += 1;
        response.writeHead(500).end('internal_error');
        return;
      }
      sink.delivered.push(JSON.parse(body) as SlackSink['delivered'][number]);
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(sink, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

export interface MailSink {
  url: string;
  /** Every mail accepted: its envelope recipients, headers (unfolded, names in lower case) and raw text. */
  mails: { to: string[]; headers: Record<string, string>; raw: string }[];
  close(): Promise<void>;
}

export async function startMailSink(): Promise<MailSink> {
  const mails: MailSink['mails'] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      stream.on('end', () => {
        const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
        const headers = Object.fromEntries(head.split(/\r?\n/).map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), headers, raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
