import { createContext, useContext } from "react";

// The CSP nonce travels from entry.server to <Scripts> through context; in the browser it is "".
const NonceContext = createContext<string>("");
export const NonceProvider = NonceContext.Provider;
export const useNonce = () => useContext(NonceContext);
