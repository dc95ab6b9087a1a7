/**
 * One line for each start-up failure an operator can fix (issue 10, defect 9: a corrupt
 * database, a folder where the file should be, a read-only folder printed stack traces):
 * configuration errors, database files that cannot be opened, a port in use. Anything else
 * keeps its stack trace (a bug, not a setting).
 */
import { ConfigError } from './config.js'

interface StartupContext {
  databasePath?: string
  host?: string
  port?: number
}

const FS_WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a file is in the way of its folder',
  ENOENT: 'its folder does not exist',
  ENOSPC: 'the disk is full'
}

export function describeStartupError (err: unknown, context: StartupContext = {}): string | null {
  if (err instanceof ConfigError) return `Invalid configuration: ${err.message}`
  const e = err as { code?: unknown, message?: unknown, path?: unknown, syscall?: unknown }
  const code = typeof e.code === 'string' ? e.code : ''
  const path = typeof e.path === 'string' ? e.path : context.databasePath ?? 'the database file'
  if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL') {
    return `Cannot listen on ${context.host ?? 'HOST'}:${context.port ?? 'PORT'}: ${code === 'EADDRINUSE' ? 'the port is already in use' : 'the address is not available on this machine'} (${code}); set PORT or HOST.`
  }
  if (code in FS_WORDS) {
    return `Cannot open the database (DATABASE_URL): ${String(e.syscall ?? 'open')} ${path} failed, ${FS_WORDS[code] ?? ''} (${code}).`
  }
  if (code.startsWith('SQLITE_')) {
    const db = context.databasePath ?? 'the database file'
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return `Cannot open the database (DATABASE_URL): ${db} is not a SQLite database or is damaged (${code}); restore it from a backup or point DATABASE_URL to another file.`
    if (code.startsWith('SQLITE_READONLY')) return `Cannot open the database (DATABASE_URL): ${db} or its folder is read-only (${code}); the gateway needs to write both.`
    if (code.startsWith('SQLITE_CANTOPEN')) return `Cannot open the database (DATABASE_URL): ${db} cannot be opened (${code}): is it a folder, or is its folder missing or not writable?`
    if (code.startsWith('SQLITE_BUSY')) return `Cannot open the database (DATABASE_URL): ${db} is locked by another process (${code}).`
    return `Cannot open the database (DATABASE_URL): ${db}: ${typeof e.message === 'string' ? e.message.split('\n')[0] : ''} (${code}).`
  }
  return null
}
