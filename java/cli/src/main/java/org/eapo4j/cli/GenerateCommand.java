package org.eapo4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.hf.ChatMessage;
import org.eapo4j.hf.ChatTemplate;
import org.eapo4j.hf.HfDecoder;
import org.eapo4j.hf.HfModels;
import org.eapo4j.hf.HfTokenizer;
import org.eapo4j.hf.SafeDtype;
import org.eapo4j.model.CausalLMGenerator;
import org.eapo4j.model.Generation;
import org.eapo4j.model.Sampler;
import org.eapo4j.model.SamplingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code eapo4j generate --model DIR --prompt TEXT}: one completion from a Hugging Face model folder. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate a completion of a prompt with a Hugging Face model folder (llama, mistral, qwen2, "
                + "qwen3); prints the completion.")
public final class GenerateCommand implements Callable<Integer> {
    enum ChatFormat { template, plain }

    @Option(names = "--model", required = true, description = "Hugging Face model folder") Path model;
    @Option(names = "--prompt", required = true, description = "prompt text (the user message with --chat)")
    String prompt;
    @Option(names = "--max-new", defaultValue = "128", description = "most new tokens (default ${DEFAULT-VALUE})")
    int maxNew;
    @Option(names = "--greedy", description = "arg-max decoding") boolean greedy;
    @Option(names = "--temperature", description = "sampling temperature (default 1.0)") Double temperature;
    @Option(names = "--top-k", defaultValue = "0", description = "sample from the k most likely tokens, 0 = all")
    int topK;
    @Option(names = "--top-p", defaultValue = "1.0", description = "nucleus sampling mass, 1 = all") double topP;
    @Option(names = "--seed", defaultValue = "0", description = "sampling seed") long seed;
    @Option(names = "--chat", description = "wrap the prompt as a user message in the model's chat template")
    boolean chat;
    @Option(names = "--chat-format", defaultValue = "template",
            description = "with --chat: template (the model's own) or plain (User:/Assistant: paragraphs)")
    ChatFormat chatFormat;
    @Option(names = "--system", description = "with --chat: a system message first") String system;
    @Option(names = "--dtype", description = "compute dtype: float32, bfloat16, float16 (default: the weights')")
    String dtype;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda, cuda:N") String device;

    @Override
    public Integer call() {
        if (maxNew < 1) throw new IllegalArgumentException("--max-new must be >= 1, got " + maxNew);
        if (greedy && temperature != null) throw new IllegalArgumentException("--greedy and --temperature exclude "
                + "each other");
        if (temperature != null && !(temperature > 0)) throw new IllegalArgumentException("--temperature must be > 0");
        if (topK < 0) throw new IllegalArgumentException("--top-k must be >= 0");
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("--top-p must be in (0, 1]");
        ScalarType dt = null;
        if (dtype != null) {
            SafeDtype d = SafeDtype.ofTorchName(dtype);
            if (d == null) throw new IllegalArgumentException("--dtype must be float32, bfloat16 or float16, got "
                    + dtype);
            dt = d.scalarType;
        }
        // the tokenizer library logs a CUDA probe at WARN on CPU-only machines: keep the output to the completion
        System.setProperty("org.slf4j.simpleLogger.log.ai.djl", System.getProperty(
                "org.slf4j.simpleLogger.log.ai.djl", "error"));
        try (HfTokenizer tok = HfTokenizer.load(model)) {
            long[] ids = chat ? tok.encode(chatPrompt(tok), false) : tok.encode(prompt);
            if (ids.length == 0) throw new IllegalArgumentException("--prompt encodes to no tokens");
            SamplingConfig cfg = greedy ? SamplingConfig.greedy(maxNew)
                    : new SamplingConfig(temperature == null ? 1.0 : temperature, topK, topP, maxNew);
            try (HfDecoder lm = HfModels.load(model, dt, device)) {
                Generation g = new CausalLMGenerator(lm, tok.eosIds(), tok.padId())
                        .generate(new long[][] {ids}, cfg, Sampler.rng(seed, 0, 0));
                long[] out = java.util.Arrays.stream(g.responses()[0]).asLongStream().toArray();
                System.out.println(tok.decode(out));
            }
        }
        return 0;
    }

    private String chatPrompt(HfTokenizer tok) {
        List<ChatMessage> msgs = new ArrayList<>();
        if (system != null) msgs.add(ChatMessage.system(system));
        msgs.add(ChatMessage.user(prompt));
        if (chatFormat == ChatFormat.plain) return ChatTemplate.plain(msgs, true);
        ChatTemplate t = tok.chatTemplate();
        if (t == null) throw new IllegalArgumentException(model + ": no chat template (tokenizer_config.json "
                + "chat_template or chat_template.jinja); use --chat-format plain or omit --chat");
        return t.render(msgs, true);
    }
}
