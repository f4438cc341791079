import { createHash } from "node:crypto";

/*
 * Letters NFKD does not take apart (Ø, ß, Æ, Ł…) and the Greek and Cyrillic alphabets, spelled in
 * Latin the way a person would type them, so "Ørsted" is `orsted` and "Русский" is `russkiy`.
 */
const LATIN: Record<string, string> = {
  ø: "o",
  ß: "ss",
  æ: "ae",
  œ: "oe",
  ł: "l",
  đ: "d",
  ð: "d",
  þ: "th",
  ı: "i",
  ħ: "h",
  ŧ: "t",
  ŋ: "ng",
  ĸ: "k",
  ſ: "s",
};
const GREEK: Record<string, string> = {
  α: "a",
  β: "v",
  γ: "g",
  δ: "d",
  ε: "e",
  ζ: "z",
  η: "i",
  θ: "th",
  ι: "i",
  κ: "k",
  λ: "l",
  μ: "m",
  ν: "n",
  ξ: "x",
  ο: "o",
  π: "p",
  ρ: "r",
  σ: "s",
  ς: "s",
  τ: "t",
  υ: "y",
  φ: "f",
  χ: "ch",
  ψ: "ps",
  ω: "o",
};
const CYRILLIC: Record<string, string> = {
  а: "a",
  б: "b",
  в: "v",
  г: "g",
  д: "d",
  е: "e",
  ё: "e",
  ж: "zh",
  з: "z",
  и: "i",
  й: "y",
  к: "k",
  л: "l",
  м: "m",
  н: "n",
  о: "o",
  п: "p",
  р: "r",
  с: "s",
  т: "t",
  у: "u",
  ф: "f",
  х: "kh",
  ц: "ts",
  ч: "ch",
  ш: "sh",
  щ: "shch",
  ъ: "",
  ы: "y",
  ь: "",
  э: "e",
  ю: "yu",
  я: "ya",
  є: "ye",
  і: "i",
  ї: "yi",
  ґ: "g",
  ў: "u",
  ј: "j",
  љ: "lj",
  њ: "nj",
  ћ: "c",
  џ: "dz",
  ђ: "dj",
};
const MAP: Record<string, string> = { ...LATIN, ...GREEK, ...CYRILLIC };

const MAX_LENGTH = 50;

/**
 * The URL name of a customer: lower-case ASCII letters, digits and dashes. Accents go (NFKD),
 * other Latin, Greek and Cyrillic letters are transliterated; a name with nothing left (日本語)
 * becomes `customer-` and a short hash of the name, the same for the same name, never a counter.
 */
export function slugify(name: string): string {
  // Mapped before NFKD (й, ё keep their own spelling) and after it (ά is α once the accent goes).
  const spell = (text: string) => [...text].map((ch) => MAP[ch] ?? ch).join("");
  const spelled = spell(
    spell(name.normalize("NFC").toLowerCase())
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, ""),
  );
  const base = spelled
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_LENGTH)
    .replace(/-+$/g, "");
  if (base) return base;
  const trimmed = name.trim().normalize("NFC");
  return `customer-${createHash("sha256").update(trimmed).digest("hex").slice(0, 8)}`;
}

/** The first free slug: `base`, then `base-2`, `base-3`… among those already taken. */
export function firstFreeSlug(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
