import pino from 'pino';

/** The server's operational log: JSON lines on stderr (stdout may be the MCP stdio channel). */
export const serverLogger = (level: string): pino.Logger => pino({ name: 'clearance', level }, pino.destination(2));
