// SMTP from the host to a container's mapped port, through nodemailer.
import nodemailer from "nodemailer";

/** The name the test client says HELO with, and the domain of its senders. */
export const CLIENT_DOMAIN = "client.postfix-matrix.test";

export interface SmtpTarget {
  host: string;
  port: number;
}

export interface SmtpOutcome {
  accepted: boolean;
  code?: number;
  response: string;
}

export async function sendMail(
  t: SmtpTarget,
  envelope: { from: string; to: string },
  body: string,
  opts: { requireTLS?: boolean } = {},
): Promise<SmtpOutcome> {
  const transport = nodemailer.createTransport({
    host: t.host,
    port: t.port,
    secure: false,
    ignoreTLS: !opts.requireTLS,
    requireTLS: Boolean(opts.requireTLS),
    // The verification container's certificate is self-signed, made at start.
    tls: { rejectUnauthorized: false },
    name: CLIENT_DOMAIN,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  const raw = `From: <${envelope.from}>\r\nTo: <${envelope.to}>\r\nSubject: postfix-matrix check\r\n\r\n${body}\r\n`;
  try {
    const info = await transport.sendMail({ envelope, raw });
    return { accepted: true, response: String(info.response) };
  } catch (e) {
    const err = e as { responseCode?: number; response?: string; message: string };
    return { accepted: false, ...(err.responseCode ? { code: err.responseCode } : {}), response: err.response ?? err.message };
  } finally {
    transport.close();
  }
}
