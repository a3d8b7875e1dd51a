package org.eapo4j.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Writes data/stories/train.jsonl and heldout.jsonl: story openings composed from a small grammar (characters,
 * companions, objects, places and sentence templates written for this project) with the elements a continuation
 * should come back to. Fixed seed, JDK only, so it runs without a build:
 * <pre>  java tests/train/org/eapo4j/data/StoryDataGenerator.java data/stories</pre>
 * {@code StoryDataTest} checks that the committed files are exactly what this class writes.
 */
public final class StoryDataGenerator {
    static final long SEED = 11;
    static final int TRAIN = 160, HELDOUT = 44;
    /** Most similar two openings may be: Jaccard index of their lower-cased word sets. */
    static final double MAX_WORD_JACCARD = 0.7;
    /** Common TinyStories names; the first four an item does not use are its off-topic words. */
    static final List<String> FREQUENT_NAMES = List.of("Lily", "Tim", "Ben", "Sue", "Tom", "Mia");
    static final int OFF_TOPIC = 4;

    record Word(String name, List<String> synonyms) {
        static Word of(String name, String... more) {
            List<String> s = new ArrayList<>(List.of(name));
            s.addAll(List.of(more));
            return new Word(name, List.copyOf(s));
        }
    }

    record Person(String name, boolean girl) {}

    static final List<Person> NAMES = List.of(
            new Person("Lily", true), new Person("Mia", true), new Person("Sue", true), new Person("Anna", true),
            new Person("Lucy", true), new Person("Emma", true), new Person("Sara", true), new Person("Amy", true),
            new Person("Jill", true), new Person("Kate", true), new Person("Zoe", true), new Person("Ella", true),
            new Person("Tim", false), new Person("Tom", false), new Person("Ben", false), new Person("Max", false),
            new Person("Sam", false), new Person("Jack", false), new Person("Joe", false), new Person("Bob", false),
            new Person("Leo", false), new Person("Dan", false), new Person("Timmy", false), new Person("Jake", false));
    static final List<Word> ANIMALS = List.of(
            Word.of("dog", "puppy", "doggy"), Word.of("cat", "kitten", "kitty"), Word.of("bird", "birdie"),
            Word.of("bunny", "rabbit"), Word.of("frog"), Word.of("duck", "duckling"), Word.of("mouse"),
            Word.of("fish"), Word.of("squirrel"), Word.of("bear"));
    static final List<Word> FAMILY = List.of(
            Word.of("mom", "mommy", "mother"), Word.of("dad", "daddy", "father"), Word.of("grandma", "granny"),
            Word.of("sister"), Word.of("brother"));
    static final List<Word> OBJECTS = List.of(
            Word.of("ball"), Word.of("kite"), Word.of("doll"), Word.of("car", "toy car"), Word.of("balloon"),
            Word.of("box"), Word.of("hat"), Word.of("book"), Word.of("cake"), Word.of("apple"),
            Word.of("flower", "flowers"), Word.of("shell", "seashell"), Word.of("stick"), Word.of("boat"),
            Word.of("truck"), Word.of("drum"), Word.of("blanket"), Word.of("cookie", "cookies"), Word.of("key"),
            Word.of("rock", "stone"), Word.of("cup"), Word.of("bike", "bicycle"), Word.of("train", "toy train"),
            Word.of("ring"), Word.of("bucket"), Word.of("shoe", "shoes"), Word.of("leaf", "leaves"),
            Word.of("pie"));
    static final List<Word> PLACES = List.of(
            Word.of("park"), Word.of("garden"), Word.of("beach", "sea"), Word.of("forest", "woods"),
            Word.of("farm"), Word.of("pond"), Word.of("hill"), Word.of("river"), Word.of("zoo"),
            Word.of("backyard", "yard"), Word.of("playground"), Word.of("field", "meadow"), Word.of("lake"));

    /** "in the park", "at the beach", "by the pond": the preposition that fits each place. */
    static String at(Word place) {
        String p = place.name();
        String prep = switch (p) {
            case "beach", "zoo", "playground" -> "at";
            case "farm", "hill" -> "on";
            case "pond", "river", "lake" -> "by";
            default -> "in";
        };
        return prep + " the " + p;
    }

    static final List<String> OBJECT_ADJECTIVES = List.of(
            "red", "blue", "big", "little", "shiny", "soft", "yellow", "green", "pink", "new", "old", "funny");
    static final Set<String> FOODS = Set.of("cake", "apple", "cookie", "pie");
    static final List<String> FOOD_ADJECTIVES = List.of("big", "little", "yummy", "red", "pink", "sweet");
    /** Animals a child can have with them ("her dog"); the others only appear on their own ("a bear"). */
    static final Set<String> PETS = Set.of("dog", "cat", "bird", "bunny", "duck");
    static final List<String> ANIMAL_ADJECTIVES = List.of("little", "small", "happy", "friendly", "tiny", "brave");
    static final List<String> FEELINGS = List.of("happy", "kind", "curious", "brave", "cheerful", "shy");
    static final List<String> TIMES = List.of("One day", "One morning", "One sunny day", "One afternoon");
    static final Word TREE = Word.of("tree", "trees");

    /** The slot fills of one opening. */
    record Fill(Person hero, Person friend, Word companion, Word object, Word object2, Word place, String adj,
                String adj2, String feeling, String time) {
        String p() { return hero.girl() ? "she" : "he"; }
        String cap(String s) { return s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1); }
        String poss() { return hero.girl() ? "her" : "his"; }
        String kind() { return hero.girl() ? "girl" : "boy"; }
        /** The slots that tell two fills of one template apart. */
        List<Object> slots() {
            return List.of(hero.name(), friend.name(), companion.name(), object.name(), object2.name(),
                    place.name(), adj, adj2, feeling, time);
        }
    }

    /** A sentence template: the opening text and the elements (in order) it introduces. */
    record Template(String id, boolean heldoutOnly, boolean family, boolean wild, Function<Fill, String> text,
                    Function<Fill, List<Element>> elements) {}

    record Element(Word word, String kind) {}

    static Element character(Person p) { return new Element(Word.of(p.name()), "character"); }
    static Element character(Word w) { return new Element(w, "character"); }
    static Element object(Word w) { return new Element(w, "object"); }
    static Element place(Word w) { return new Element(w, "place"); }

    static String a(String word) {
        return ("aeiou".indexOf(word.charAt(0)) >= 0 ? "an " : "a ") + word;
    }

    static final List<Template> TEMPLATES = List.of(
            new Template("lovedToPlay", false, false, false,
                    f -> "Once upon a time, there was a little " + f.kind() + " named " + f.hero().name() + ". "
                            + f.cap(f.p()) + " loved to play with " + f.poss() + " " + f.adj() + " "
                            + f.object().name() + " " + at(f.place()) + ".",
                    f -> List.of(character(f.hero()), object(f.object()), place(f.place()))),
            new Template("wentTo", false, false, false,
                    f -> f.hero().name() + " and " + f.poss() + " " + f.companion().name() + " went to the "
                            + f.place().name() + ". They wanted to play with " + a(f.adj()) + " "
                            + f.object().name() + ".",
                    f -> List.of(character(f.hero()), character(f.companion()), place(f.place()), object(f.object()))),
            new Template("foundAndShowed", false, false, false,
                    f -> f.time() + ", " + f.hero().name() + " found " + a(f.adj()) + " " + f.object().name()
                            + " " + at(f.place()) + ". " + f.cap(f.p()) + " ran to show it to " + f.poss()
                            + " " + f.companion().name() + ".",
                    f -> List.of(character(f.hero()), object(f.object()), place(f.place()), character(f.companion()))),
            new Template("everyMorning", false, false, false,
                    f -> f.hero().name() + " was " + a(f.feeling()) + " little " + f.kind() + ". Every morning, "
                            + f.p() + " walked to the " + f.place().name() + " with " + f.poss() + " "
                            + f.companion().name() + ". " + f.time() + ", " + f.p() + " saw " + a(f.adj()) + " "
                            + f.object().name() + " there.",
                    f -> List.of(character(f.hero()), place(f.place()), character(f.companion()), object(f.object()))),
            new Template("tookTwoThings", false, false, false,
                    f -> "It was a sunny day. " + f.hero().name() + " took " + f.poss() + " " + f.object().name()
                            + " and " + f.poss() + " " + f.object2().name() + " to the " + f.place().name() + ". "
                            + f.cap(f.poss()) + " " + f.companion().name() + " came too.",
                    f -> List.of(character(f.hero()), object(f.object()), object(f.object2()), place(f.place()),
                            character(f.companion()))),
            new Template("shareWithFriend", false, false, false,
                    f -> f.hero().name() + " had " + a(f.adj()) + " " + f.object().name() + ". " + f.cap(f.p())
                            + " wanted to share it with " + f.poss() + " friend " + f.friend().name() + " "
                            + at(f.place()) + ".",
                    f -> List.of(character(f.hero()), object(f.object()), character(f.friend()), place(f.place()))),
            new Template("animalLivedNear", false, false, true,
                    f -> "Once upon a time, " + a(f.adj2()) + " " + f.companion().name() + " lived near a "
                            + f.place().name() + ". The " + f.companion().name() + " liked to play with "
                            + a(f.object().name()) + " every day. " + f.time() + ", " + a(f.kind()) + " named "
                            + f.hero().name() + " came to visit.",
                    f -> List.of(character(f.companion()), place(f.place()), object(f.object()), character(f.hero()))),
            new Template("bestFriends", false, false, false,
                    f -> f.hero().name() + " and " + f.friend().name() + " were best friends. They liked to play "
                            + at(f.place()) + " with their " + f.companion().name() + ". " + f.time()
                            + ", they found " + a(f.adj()) + " " + f.object().name() + " under a tree.",
                    f -> List.of(character(f.hero()), character(f.friend()), place(f.place()),
                            character(f.companion()), object(f.object()), object(TREE))),
            new Template("lostIt", false, false, false,
                    f -> f.hero().name() + " lost " + f.poss() + " " + f.adj() + " " + f.object().name() + ". "
                            + f.cap(f.p()) + " looked for it " + at(f.place()) + ", but " + f.p()
                            + " could not find it.",
                    f -> List.of(character(f.hero()), object(f.object()), place(f.place()))),
            new Template("sawFromWindow", false, false, true,
                    f -> f.time() + ", " + f.hero().name() + " looked out of the window and saw " + a(f.adj2())
                            + " " + f.companion().name() + " " + at(f.place()) + ". " + f.cap(f.p())
                            + " wanted to give the " + f.companion().name() + " " + f.poss() + " "
                            + f.object().name() + ".",
                    f -> List.of(character(f.hero()), character(f.companion()), place(f.place()), object(f.object()))),
            // Held-out only: sentence shapes the training set never shows.
            new Template("giftForFamily", true, true, false,
                    f -> f.hero().name() + " wanted to make a gift for " + f.poss() + " " + f.companion().name()
                            + ". " + f.cap(f.p()) + " went to the " + f.place().name() + " to find " + a(f.adj())
                            + " " + f.object().name() + ".",
                    f -> List.of(character(f.hero()), character(f.companion()), place(f.place()), object(f.object()))),
            new Template("nearTheHouse", true, false, false,
                    f -> "There was a big " + f.place().name() + " near " + f.hero().name() + "'s house. "
                            + f.hero().name() + " liked to go there with " + f.poss() + " " + f.companion().name()
                            + " and " + f.poss() + " " + f.object().name() + ".",
                    f -> List.of(place(f.place()), character(f.hero()), character(f.companion()), object(f.object()))),
            new Template("playingThenSaw", true, false, false,
                    f -> f.hero().name() + " and " + f.poss() + " " + f.companion().name() + " were playing with "
                            + a(f.object().name()) + " " + at(f.place()) + ". Then " + f.hero().name()
                            + " saw " + a(f.adj()) + " " + f.object2().name() + " near a tree.",
                    f -> List.of(character(f.hero()), character(f.companion()), object(f.object()), place(f.place()),
                            object(f.object2()), object(TREE))));

    /** Objects that only fit some places; the others fit anywhere. */
    static boolean fits(Word object, Word place) {
        String o = object.name(), p = place.name();
        return switch (o) {
            case "boat" -> Set.of("pond", "lake", "river", "beach").contains(p);
            case "shell" -> p.equals("beach");
            case "bucket" -> Set.of("beach", "garden", "farm", "backyard").contains(p);
            case "flower" -> Set.of("garden", "park", "field", "hill", "forest", "backyard").contains(p);
            case "kite" -> Set.of("park", "beach", "hill", "field", "playground").contains(p);
            default -> true;
        };
    }

    record Item(String template, Fill fill, String prompt, List<Element> elements, List<String> offTopic) {
        Set<String> elementNames() {
            Set<String> s = new TreeSet<>();
            for (Element e : elements) s.add(e.word().name());
            return s;
        }
    }

    static <T> T pick(Random r, List<T> l) {
        return l.get(r.nextInt(l.size()));
    }

    static Fill draw(Random r, Template t) {
        Person hero = pick(r, NAMES), friend;
        do friend = pick(r, NAMES); while (friend.equals(hero));
        Word companion = pick(r, t.family() ? FAMILY : t.wild() ? ANIMALS : companions());
        Word place = pick(r, PLACES), object, object2;
        do object = pick(r, OBJECTS); while (!fits(object, place));
        do object2 = pick(r, OBJECTS); while (object2.equals(object) || !fits(object2, place));
        String adj = pick(r, FOODS.contains(object.name()) ? FOOD_ADJECTIVES : OBJECT_ADJECTIVES);
        return new Fill(hero, friend, companion, object, object2, place, adj,
                pick(r, ANIMAL_ADJECTIVES), pick(r, FEELINGS), pick(r, TIMES));
    }

    /** Pets and family: who can come along ("his dog", "her mom"). */
    private static List<Word> companions() {
        List<Word> l = new ArrayList<>();
        for (Word w : ANIMALS) if (PETS.contains(w.name())) l.add(w);
        l.addAll(FAMILY);
        return l;
    }

    static Set<String> words(String text) {
        Set<String> s = new HashSet<>();
        for (String w : text.toLowerCase(Locale.ROOT).split("[^a-z']+")) if (!w.isEmpty()) s.add(w);
        return s;
    }

    static double jaccard(String a, String b) {
        Set<String> x = words(a), y = words(b);
        Set<String> inter = new HashSet<>(x);
        inter.retainAll(y);
        return (double) inter.size() / (x.size() + y.size() - inter.size());
    }

    static Item item(Template t, Fill f) {
        List<Element> els = t.elements().apply(f);
        Set<String> used = new HashSet<>();
        for (Element e : els) used.addAll(e.word().synonyms());
        List<String> off = new ArrayList<>();
        for (String n : FREQUENT_NAMES) if (!used.contains(n) && off.size() < OFF_TOPIC) off.add(n);
        return new Item(t.id(), f, t.text().apply(f), els, off);
    }

    /** {@code count} items spread evenly over {@code templates}, none close to {@code avoid} or to each other. */
    static List<Item> generate(Random r, List<Template> templates, int count, List<Item> avoid) {
        Set<Set<String>> avoidSets = new HashSet<>();
        for (Item it : avoid) avoidSets.add(it.elementNames());
        List<Item> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            Template t = templates.get(k % templates.size());
            for (int attempt = 0; ; attempt++) {
                if (attempt > 100_000) throw new IllegalStateException("grammar too small for " + count + " items");
                Item c = item(t, draw(r, t));
                if (avoidSets.contains(c.elementNames()) || tooClose(c, out) || tooClose(c, avoid)) continue;
                out.add(c);
                break;
            }
        }
        return out;
    }

    private static boolean tooClose(Item c, List<Item> others) {
        for (Item o : others) {
            if (o.prompt().equals(c.prompt()) || jaccard(o.prompt(), c.prompt()) > MAX_WORD_JACCARD) return true;
            if (o.template().equals(c.template())) {
                int differ = 0;
                for (int i = 0; i < c.fill().slots().size(); i++)
                    if (!c.fill().slots().get(i).equals(o.fill().slots().get(i))) differ++;
                if (differ < 3) return true;
            }
        }
        return false;
    }

    /** The two files' text: {@code [train, heldout]}. */
    static String[] generate() {
        Random r = new Random(SEED);
        List<Template> train = TEMPLATES.stream().filter(t -> !t.heldoutOnly()).toList();
        List<Item> tr = generate(r, train, TRAIN, List.of());
        // Held-out: the held-out-only templates twice as often as each shared one.
        List<Template> ho = new ArrayList<>();
        for (Template t : TEMPLATES) {
            ho.add(t);
            if (t.heldoutOnly()) ho.add(t);
        }
        List<Item> he = generate(r, ho, HELDOUT, tr);
        return new String[] {jsonl("story-t", tr), jsonl("story-h", he)};
    }

    static String jsonl(String idPrefix, List<Item> items) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            sb.append("{\"id\": ").append(q(String.format(Locale.ROOT, "%s%03d", idPrefix, i + 1)))
              .append(", \"prompt\": ").append(q(it.prompt())).append(", \"elements\": [");
            for (int j = 0; j < it.elements().size(); j++) {
                Element e = it.elements().get(j);
                if (j > 0) sb.append(", ");
                sb.append("{\"name\": ").append(q(e.word().name())).append(", \"synonyms\": ")
                  .append(strings(e.word().synonyms())).append(", \"kind\": ").append(q(e.kind())).append('}');
            }
            sb.append("], \"off_topic\": ").append(strings(it.offTopic())).append("}\n");
        }
        return sb.toString();
    }

    private static String strings(List<String> l) {
        List<String> out = new ArrayList<>();
        for (String s : new LinkedHashSet<>(l)) out.add(q(s));
        return "[" + String.join(", ", out) + "]";
    }

    private static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "data/stories");
        String[] files = generate();
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("train.jsonl"), files[0], StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("heldout.jsonl"), files[1], StandardCharsets.UTF_8);
        System.out.println("wrote " + TRAIN + " + " + HELDOUT + " items to " + dir);
    }
}
