// Plain HTTP requests from a chosen source address: how a test plays a phone on the mobile network.
import { request } from 'node:http';

export interface DeviceResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface DeviceRequest {
  method?: string;
  /** Source address of the TCP connection, e.g. '127.0.0.2' for the SIM at that address. */
  localAddress?: string;
  headers?: Record<string, string>;
  body?: string;
}

export function sendFromDevice(url: URL | string, { method = 'GET', localAddress, headers = {}, body }: DeviceRequest = {}): Promise<DeviceResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, localAddress, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
