/**
 * The small closed vocabulary of the constraint world: categories of things a task can ask to list, and the
 * fixed phrases responses may be asked to start or end with. Closed on purpose: every word a world response can
 * contain is known, so every constraint on it is decidable by a checker.
 */

export interface Category {
  /** Plural noun used in task texts ("fruits"). */
  plural: string;
  /** Heading titles a heading constraint may require for this category. */
  titles: readonly string[];
  /** The things (single lower-case words, no two categories share one). */
  items: readonly string[];
}

export const CATEGORIES: readonly Category[] = [
  {
    plural: "fruits",
    titles: ["Fruits", "Fruit List", "Favourite Fruits"],
    items: ["apple", "banana", "cherry", "grape", "kiwi", "lemon", "mango", "orange", "peach", "pear", "plum"],
  },
  {
    plural: "colours",
    titles: ["Colours", "Colour List", "Favourite Colours"],
    items: ["red", "blue", "green", "yellow", "purple", "violet", "indigo", "pink", "brown", "black", "white"],
  },
  {
    plural: "animals",
    titles: ["Animals", "Animal List", "Favourite Animals"],
    items: ["cat", "dog", "horse", "rabbit", "tiger", "lion", "zebra", "otter", "fox", "wolf", "bear"],
  },
  {
    plural: "vegetables",
    titles: ["Vegetables", "Vegetable List", "Favourite Vegetables"],
    items: ["carrot", "potato", "onion", "pepper", "celery", "spinach", "leek", "radish", "turnip", "cabbage"],
  },
  {
    plural: "musical instruments",
    titles: ["Instruments", "Instrument List", "Favourite Instruments"],
    items: ["piano", "guitar", "violin", "flute", "drum", "trumpet", "cello", "harp", "oboe", "banjo"],
  },
  {
    plural: "sports",
    titles: ["Sports", "Sport List", "Favourite Sports"],
    items: ["football", "tennis", "hockey", "rugby", "cricket", "golf", "rowing", "boxing", "cycling", "skiing"],
  },
];

/** Phrases an opening constraint may require (they carry no vocabulary word). */
export const OPENING_PHRASES = ["Here is my list:", "Sure, here you go:", "Certainly!", "As requested:"] as const;

/** Phrases a closing constraint may require. */
export const CLOSING_PHRASES = ["Hope this helps!", "That is all.", "Enjoy!", "Thank you for asking."] as const;

/** Notes the responder attaches to items when an example shows "Item - note" (no vocabulary word in them). */
export const NOTES = ["a popular choice", "easy to find", "well known", "a classic", "often seen"] as const;

/** Sentences the responder adds to reach a minimum length (again free of vocabulary words). */
export const FILLERS = [
  "Each of these is a well known example.",
  "All of them are easy to recognise.",
  "The list is short but it covers the basics.",
  "You can find every one of them in a good reference book.",
  "Any of them would be a fine place to start.",
] as const;

export function categoryByPlural(plural: string): Category | undefined {
  const p = plural.toLowerCase();
  return CATEGORIES.find((c) => c.plural === p);
}
