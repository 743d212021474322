// One interface for every way a PES_Aller reaches the accountant (tiers de télétransmission): post
// the file, follow its state, fetch the acquittement. Adapters: a drop folder, S²low's Hélios API.

/** pending: posted, not yet transmitted; transmitted: at the DGFiP, no ack yet; acknowledged/rejected: PES_Acquit available. */
export type TransmissionState = 'pending' | 'transmitted' | 'acknowledged' | 'rejected' | 'error';

export type TransmissionStatus = { state: TransmissionState; code: string; message: string };

export interface Teletransmission {
  /** 'drop-folder', 's2low', … — recorded on the bordereau. */
  readonly channel: string;
  send(file: { path: string; fileName: string }): Promise<{ transmissionId: string; message: string }>;
  status(transmissionId: string): Promise<TransmissionStatus>;
  /** The PES_Acquit bytes, or null while there is none. */
  fetchAcquit(transmissionId: string): Promise<Buffer | null>;
}

export class TeletransmissionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeletransmissionError';
  }
}
