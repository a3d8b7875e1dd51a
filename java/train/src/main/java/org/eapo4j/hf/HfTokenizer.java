package org.eapo4j.hf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import org.eapo4j.model.Tokenizer;

/**
 * A Hugging Face {@code tokenizer.json} run by the Rust {@code tokenizers} library (through DJL's bindings, whose
 * natives ship in the jar), with the special ids of the model folder: BOS/EOS/PAD from {@code tokenizer_config.json}
 * and {@code generation_config.json} (then {@code config.json}), and the chat template from
 * {@code tokenizer_config.json} or {@code chat_template.jinja}. Close it to free the native tokenizer.
 */
public final class HfTokenizer implements Tokenizer, AutoCloseable {
    private static final Set<String> MODEL_TYPES = Set.of("BPE", "WordPiece", "WordLevel", "Unigram");

    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Long> tokenIds;
    private final Set<Long> specialIds;
    private final int vocabSize;
    private final Long bosId;
    private final long[] eosIds;
    private final long padId;
    private final String bosToken, eosToken;
    private final ChatTemplate chatTemplate;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, Map<String, Long> tokenIds, Set<Long> specialIds, int vocabSize,
                        Long bosId, long[] eosIds, long padId, String bosToken, String eosToken, String chatTemplate,
                        Path chatTemplateSource) {
        this.tokenizer = tokenizer;
        this.tokenIds = tokenIds;
        this.specialIds = specialIds;
        this.vocabSize = vocabSize;
        this.bosId = bosId;
        this.eosIds = eosIds;
        this.padId = padId;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.chatTemplate = chatTemplate == null ? null
                : new ChatTemplate(chatTemplate, chatTemplateSource, bosToken, eosToken);
    }

    /** The tokenizer of the model folder {@code dir} (tokenizer.json required, the other files optional). */
    public static HfTokenizer load(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        JsonNode tj = readJson(file, true);
        JsonNode model = tj.path("model");
        String type = model.path("type").asText(null);
        if (type == null && model.has("vocab") && model.has("merges")) type = "BPE";   // old files omit the type
        if (type == null || !MODEL_TYPES.contains(type))
            throw HfFormatException.at(file, "unknown tokenizer model type " + (type == null ? "(none)" : "'" + type
                    + "'") + " (BPE, WordPiece, WordLevel, Unigram)");
        Map<String, Long> ids = new HashMap<>();
        Set<Long> special = new LinkedHashSet<>();
        long maxId = -1;
        JsonNode vocab = model.path("vocab");
        if (vocab.isObject()) {
            for (var it = vocab.fields(); it.hasNext(); ) {
                var e = it.next();
                ids.put(e.getKey(), e.getValue().asLong());
                maxId = Math.max(maxId, e.getValue().asLong());
            }
        } else if (vocab.isArray()) {   // Unigram: [[piece, score], ...], id = index
            for (int i = 0; i < vocab.size(); i++) ids.put(vocab.get(i).path(0).asText(), (long) i);
            maxId = vocab.size() - 1;
        }
        for (JsonNode a : tj.path("added_tokens")) {
            long id = a.path("id").asLong();
            ids.put(a.path("content").asText(), id);
            if (a.path("special").asBoolean(false)) special.add(id);
            maxId = Math.max(maxId, id);
        }
        JsonNode tc = readJson(dir.resolve("tokenizer_config.json"), false);
        JsonNode gc = readJson(dir.resolve("generation_config.json"), false);
        JsonNode mc = readJson(dir.resolve("config.json"), false);
        Path tcFile = dir.resolve("tokenizer_config.json");
        String bosTok = tokenText(tc.get("bos_token")), eosTok = tokenText(tc.get("eos_token"));
        String padTok = tokenText(tc.get("pad_token"));

        Long bos = firstId(gc.get("bos_token_id"));
        if (bos == null && bosTok != null) bos = ids.get(bosTok);
        if (bos == null) bos = firstId(mc.get("bos_token_id"));

        Set<Long> eos = new LinkedHashSet<>(allIds(gc.get("eos_token_id")));
        if (eosTok != null) {
            Long e = ids.get(eosTok);
            if (e == null) throw HfFormatException.at(tcFile, "eos_token '" + eosTok + "' is not in tokenizer.json");
            eos.add(e);
        }
        if (eos.isEmpty()) eos.addAll(allIds(mc.get("eos_token_id")));
        if (eos.isEmpty()) throw HfFormatException.at(dir, "no EOS id in generation_config.json, "
                + "tokenizer_config.json or config.json");
        long[] eosArr = eos.stream().mapToLong(Long::longValue).toArray();

        Long pad = padTok == null ? null : ids.get(padTok);
        if (pad == null) pad = firstId(gc.get("pad_token_id"));
        if (pad == null) pad = eosArr[0];   // padded positions are masked, any valid id will do

        String template = null;
        Path templateSource = null;
        JsonNode ct = tc.get("chat_template");
        if (ct != null && ct.isTextual()) {
            template = ct.asText();
            templateSource = tcFile;
        } else if (ct != null && ct.isArray()) {   // named templates: the "default" one
            for (JsonNode n : ct) if ("default".equals(n.path("name").asText())) template = n.path("template").asText();
            templateSource = tcFile;
        }
        Path jinja = dir.resolve("chat_template.jinja");
        if (template == null && Files.isRegularFile(jinja)) {
            try {
                template = Files.readString(jinja);
                templateSource = jinja;
            } catch (IOException e) {
                throw HfFormatException.at(jinja, "cannot read", e);
            }
        }

        HuggingFaceTokenizer tok;
        try {
            // the file itself, not the folder: DJL would otherwise apply its own reading of tokenizer_config.json
            tok = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "true", "truncation", "false",
                    "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw HfFormatException.at(file, "the tokenizers library cannot load it", e);
        }
        return new HfTokenizer(tok, ids, special, (int) (maxId + 1), bos, eosArr, pad, bosTok, eosTok, template,
                templateSource);
    }

    /** Ids of {@code text} with the special tokens the tokenizer adds (e.g. BOS for Llama). */
    @Override
    public long[] encode(String text) {
        return encode(text, true);
    }

    /** Ids of {@code text}; without special tokens for text that already holds them (a rendered chat template). */
    @Override
    public long[] encodeCompletion(String text) {
        return encode(text, false);
    }

    public long[] encode(String text, boolean addSpecialTokens) {
        if (text == null) throw new IllegalArgumentException("text must not be null");
        return tokenizer.encode(text, addSpecialTokens, false).getIds();
    }

    /** Text of {@code ids}, special tokens (the special added tokens of tokenizer.json) skipped. */
    @Override
    public String decode(long[] ids) {
        List<Long> kept = new ArrayList<>(ids.length);
        for (long id : ids) {
            if (id < 0 || id >= vocabSize) throw new IllegalArgumentException("ids: " + id + " is outside the "
                    + "vocabulary of " + vocabSize);
            if (!specialIds.contains(id)) kept.add(id);
        }
        return tokenizer.decode(kept.stream().mapToLong(Long::longValue).toArray(), false);
    }

    /** Ids 0 .. vocabSize-1 are defined (the model's embedding table may be larger). */
    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public long[] eosIds() {
        return eosIds.clone();
    }

    @Override
    public long padId() {
        return padId;
    }

    /** The BOS id, or -1 when the folder names none. */
    public long bosId() {
        return bosId == null ? -1 : bosId;
    }

    /** The id of a token text (vocabulary or added token), or -1. */
    public long tokenId(String token) {
        Long id = tokenIds.get(token);
        return id == null ? -1 : id;
    }

    /** The chat template of the folder (one instance: it parses the template once), or null when it has none. */
    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static JsonNode readJson(Path file, boolean required) {
        if (!Files.isRegularFile(file)) {
            if (required) throw HfFormatException.at(file, "file not found");
            return new ObjectMapper().createObjectNode();
        }
        try {
            JsonNode n = new ObjectMapper().readTree(file.toFile());
            if (n == null || !n.isObject()) throw HfFormatException.at(file, "not a JSON object");
            return n;
        } catch (IOException e) {
            throw HfFormatException.at(file, "not valid JSON", e);
        }
    }

    /** A special-token entry: a string or an AddedToken object {"content": ...}. */
    private static String tokenText(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return n.asText();
        if (n.isObject() && n.hasNonNull("content")) return n.get("content").asText();
        return null;
    }

    private static Long firstId(JsonNode n) {
        List<Long> all = allIds(n);
        return all.isEmpty() ? null : all.get(0);
    }

    /** An id field that may be an integer or a list of integers. */
    private static List<Long> allIds(JsonNode n) {
        List<Long> r = new ArrayList<>();
        if (n == null || n.isNull()) return r;
        if (n.isIntegralNumber()) r.add(n.asLong());
        else if (n.isArray()) for (JsonNode x : n) if (x.isIntegralNumber()) r.add(x.asLong());
        return r;
    }
}
