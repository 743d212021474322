import { PageTitle } from '../components/ui.tsx';

export default function Admin(_props: Record<string, string>) {
  return <PageTitle>Admin</PageTitle>;
}
