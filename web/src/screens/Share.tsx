import { PageTitle } from '../components/ui.tsx';

export default function Share(_props: Record<string, string>) {
  return <PageTitle>Share</PageTitle>;
}
