/** Vite's `?url` imports (see `vite/client`): the URL the built site serves the file at. */
declare module '*?url' {
  const url: string;
  export default url;
}
