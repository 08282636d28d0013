using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Modeling.Tokenization;
using static TorchSharp.torch;

namespace RlhfPlatform.Cli.Commands;

/// <summary>`rlhf generate --model DIR --prompt TEXT`: samples a completion from any HF-layout model folder the platform reads.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var modelOption = new Option<string>("--model") { Description = "HF-layout model folder (config.json, safetensors, tokenizer files)", Required = true };
        var promptOption = new Option<string>("--prompt") { Description = "Prompt text", Required = true };
        var maxNewOption = new Option<int>("--max-new-tokens") { Description = "Most tokens to generate", DefaultValueFactory = _ => 64 };
        var temperatureOption = new Option<double>("--temperature") { Description = "Sampling temperature; 0 picks the most likely token", DefaultValueFactory = _ => 1.0 };
        var topPOption = new Option<double>("--top-p") { Description = "Nucleus sampling mass (1 = off)", DefaultValueFactory = _ => 1.0 };
        var topKOption = new Option<int>("--top-k") { Description = "Sample among the k most likely tokens (0 = off)", DefaultValueFactory = _ => 0 };
        var seedOption = new Option<long>("--seed") { Description = "Seed of the sampler", DefaultValueFactory = _ => 0 };
        var chatOption = new Option<bool>("--chat") { Description = "Wrap the prompt as a user turn with the tokenizer's chat template" };
        var jsonOption = new Option<bool>("--json") { Description = "Print tokens, log-probs and text as JSON" };
        var dtypeOption = new Option<string>("--dtype") { Description = "float32, float16 or bfloat16", DefaultValueFactory = _ => "float32" };
        var deviceOption = new Option<string>("--device") { Description = "cpu, cuda, cuda:N", DefaultValueFactory = _ => "cpu" };
        var command = new Command("generate", "Generate a completion with a saved model")
        {
            modelOption, promptOption, maxNewOption, temperatureOption, topPOption, topKOption, seedOption, chatOption, jsonOption, dtypeOption, deviceOption,
        };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, () =>
        {
            double temperature = result.GetValue(temperatureOption);
            if (temperature < 0) throw new ArgumentException($"temperature must not be negative (got {temperature})");
            var options = new GenerationOptions
            {
                MaxNewTokens = result.GetValue(maxNewOption),
                Temperature = temperature == 0 ? 1.0 : temperature,
                Greedy = temperature == 0,
                TopP = result.GetValue(topPOption),
                TopK = result.GetValue(topKOption),
            }.Validate();
            var load = new ModelLoadOptions { Dtype = ModelLoadOptions.ParseDtype(result.GetValue(dtypeOption)!), Device = result.GetValue(deviceOption)! };
            return Task.FromResult(Run(Path.GetFullPath(result.GetValue(modelOption)!), result.GetValue(promptOption)!, result.GetValue(chatOption),
                options, load, result.GetValue(seedOption), result.GetValue(jsonOption)));
        }));
        return command;
    }

    static int Run(string folder, string prompt, bool chat, GenerationOptions options, ModelLoadOptions load, long seed, bool json)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"model folder not found: {folder}");
        var tokenizer = TokenizerFiles.Load(folder);
        using var model = ModelCheckpoint.LoadCausalLm(folder, load);
        model.eval();
        int[] promptIds = PromptTokens.Build(tokenizer, prompt, chat);
        var stops = model.Config.EosTokenIds.Append(tokenizer.EosId).Distinct().ToArray();
        options = options with { StopTokens = stops };

        var clock = Stopwatch.StartNew();
        var generated = BatchGenerator.Generate(model, [promptIds], options, new Generator((ulong)seed, new Device(load.Device)));
        clock.Stop();
        int[] tokens = generated.Responses[0];
        string text = tokenizer.Decode(tokens);
        if (!json)
        {
            Console.WriteLine(text);
            return 0;
        }
        bool stopped = tokens.Length > 0 && stops.Contains(tokens[^1]);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            model = folder,
            prompt,
            prompt_tokens = promptIds,
            tokens,
            text,
            log_probs = generated.LogProbs[0],
            finish_reason = stopped ? "stop" : "length",
            seconds = Math.Round(clock.Elapsed.TotalSeconds, 4),
            tokens_per_second = clock.Elapsed.TotalSeconds > 0 ? Math.Round(tokens.Length / clock.Elapsed.TotalSeconds, 1) : 0,
        }, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}
