// Archive settings from the environment (read by the archive use cases and the CLI only).

export type ArchiveSettings = {
  /** Identifier of the archives service receiving the transfers (LIASSE_SEDA_ARCHIVAL_AGENCY). */
  archivalAgency: string;
  /** Accord de versement (LIASSE_SEDA_ARCHIVAL_AGREEMENT). */
  archivalAgreement: string | null;
  /** Profil d'archivage (LIASSE_SEDA_ARCHIVAL_PROFILE). */
  archivalProfile: string | null;
  /** Access rule code of the SAE referential (LIASSE_SEDA_ACCESS_RULE, default AR038). */
  accessRule: string;
};

export function loadArchiveSettings(env: Record<string, string | undefined> = process.env): ArchiveSettings {
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : null;
  };
  return {
    archivalAgency: text('LIASSE_SEDA_ARCHIVAL_AGENCY') ?? 'ARCHIVES',
    archivalAgreement: text('LIASSE_SEDA_ARCHIVAL_AGREEMENT'),
    archivalProfile: text('LIASSE_SEDA_ARCHIVAL_PROFILE'),
    accessRule: text('LIASSE_SEDA_ACCESS_RULE') ?? 'AR038',
  };
}
