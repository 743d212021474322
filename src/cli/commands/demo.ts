// Placeholder until the simulator and sync land: see issue #8.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('liasse demo: pas encore disponible.\n');
  return 1;
}
