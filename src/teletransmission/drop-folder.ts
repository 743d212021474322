// The simplest channel: PES files are dropped into `<root>/aller/` (for a TdT agent, an SFTP mirror
// or an operator), acquittements are picked up from `<root>/acquit/`, either named
// ACQUIT_<file name> (Pastell's convention) or any XML whose NomFic is the file sent.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parsePesAcquit } from '../formats/pes/acquit.ts';
import { type Teletransmission, TeletransmissionError, type TransmissionStatus } from './types.ts';

export class DropFolderChannel implements Teletransmission {
  readonly channel = 'drop-folder';
  readonly outbox: string;
  readonly inbox: string;

  constructor(root: string) {
    this.outbox = path.join(root, 'aller');
    this.inbox = path.join(root, 'acquit');
  }

  async send(file: { path: string; fileName: string }): Promise<{ transmissionId: string; message: string }> {
    if (!/^[A-Za-z0-9._-]+$/.test(file.fileName)) throw new TeletransmissionError(`Nom de fichier PES refusé : ${file.fileName}`);
    await fsp.mkdir(this.outbox, { recursive: true });
    await fsp.mkdir(this.inbox, { recursive: true });
    const target = path.join(this.outbox, file.fileName);
    if (fs.existsSync(target)) throw new TeletransmissionError(`Le fichier ${file.fileName} a déjà été déposé dans ${this.outbox}.`);
    // Copy under a temporary name then rename: whoever watches the folder never sees half a file.
    const temporary = path.join(this.outbox, `.${file.fileName}.part`);
    await fsp.copyFile(file.path, temporary);
    await fsp.rename(temporary, target);
    return { transmissionId: file.fileName, message: `Déposé dans ${this.outbox}` };
  }

  private async findAcquit(fileName: string): Promise<string | null> {
    const direct = path.join(this.inbox, `ACQUIT_${fileName}`);
    if (fs.existsSync(direct)) return direct;
    let names: string[] = [];
    try {
      names = await fsp.readdir(this.inbox);
    } catch {
      return null;
    }
    for (const name of names.filter((candidate) => candidate.toLowerCase().endsWith('.xml'))) {
      const full = path.join(this.inbox, name);
      try {
        if (parsePesAcquit(await fsp.readFile(full)).nomFic === fileName) return full;
      } catch {
        // not an acquittement: ignored
      }
    }
    return null;
  }

  async status(transmissionId: string): Promise<TransmissionStatus> {
    const file = await this.findAcquit(transmissionId);
    if (!file) {
      const stillThere = fs.existsSync(path.join(this.outbox, transmissionId));
      return stillThere
        ? { state: 'pending', code: 'deposited', message: 'Fichier déposé, pas encore pris en charge' }
        : { state: 'transmitted', code: 'picked_up', message: 'Fichier pris en charge, en attente de l’acquittement' };
    }
    const acquit = parsePesAcquit(await fsp.readFile(file));
    return acquit.accepted
      ? { state: 'acknowledged', code: 'ack', message: 'Acquittement reçu' }
      : { state: 'rejected', code: 'nack', message: 'Acquittement de rejet reçu' };
  }

  async fetchAcquit(transmissionId: string): Promise<Buffer | null> {
    const file = await this.findAcquit(transmissionId);
    return file ? fsp.readFile(file) : null;
  }
}
