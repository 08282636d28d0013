using System.CommandLine;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Lora;
using RlhfPlatform.Modeling.Tokenization;
using TorchSharp;

namespace RlhfPlatform.Cli.Commands;

/// <summary>
/// `rlhf merge --base DIR --adapter DIR --out DIR`: folds a PEFT LoRA adapter into its base and writes a plain HF
/// folder (config, safetensors in the base's dtype, the base's tokenizer). A CAUSAL_LM adapter merges into a policy,
/// a SEQ_CLS one into a reward model (its trained score head included). Exit codes: 0 merged, 2 bad input, 1 other.
/// </summary>
public static class MergeCommand
{
    public static Command Create()
    {
        var baseOption = new Option<string>("--base") { Description = "HF-layout base model folder the adapter was trained on", Required = true };
        var adapterOption = new Option<string>("--adapter") { Description = "PEFT adapter folder (adapter_config.json, adapter_model.safetensors)", Required = true };
        var outOption = new Option<string>("--out") { Description = "Folder for the merged model; must not exist or be empty", Required = true };
        var command = new Command("merge", "Merge a LoRA adapter into its base model") { baseOption, adapterOption, outOption };
        command.SetAction((result, _) =>
        {
            try
            {
                return Task.FromResult(Run(Path.GetFullPath(result.GetValue(baseOption)!), Path.GetFullPath(result.GetValue(adapterOption)!),
                    Path.GetFullPath(result.GetValue(outOption)!)));
            }
            catch (Exception e)
            {
                CliErrors.Write(RlhfCli.CommandPath(result), e);
                return Task.FromResult(CliErrors.ExitCodeWithBadInput(e));
            }
        });
        return command;
    }

    static int Run(string baseFolder, string adapterFolder, string outFolder)
    {
        if (AdapterCheckpoint.KindOf(baseFolder) != ModelFolderKind.HfModel)
            throw new ArgumentException($"--base {baseFolder} is a PEFT adapter folder, not a model");
        if (AdapterCheckpoint.KindOf(adapterFolder) != ModelFolderKind.PeftAdapter)
            throw new ArgumentException($"--adapter {adapterFolder} has no {PeftAdapterConfig.FileName}");
        if (Directory.Exists(outFolder) && Directory.EnumerateFileSystemEntries(outFolder).Any())
            throw new ArgumentException($"--out {outFolder} is not empty: refusing to overwrite it");

        var baseConfig = ModelCheckpoint.ReadConfig(baseFolder);
        string task = PeftAdapterConfig.Read(adapterFolder).TaskType ?? (baseConfig.RewardHead != "none" ? "SEQ_CLS" : "CAUSAL_LM");
        var tokenizer = TokenizerFiles.Load(baseFolder);
        // Merged in float32 whatever the base's dtype, then written back in it.
        var load = new ModelLoadOptions { Dtype = torch.ScalarType.Float32 };
        using torch.nn.Module model = task switch
        {
            "CAUSAL_LM" => AdapterCheckpoint.LoadCausalLmWithAdapter(baseFolder, adapterFolder, load),
            "SEQ_CLS" => AdapterCheckpoint.LoadRewardModelWithAdapter(baseFolder, adapterFolder, load),
            _ => throw new ArgumentException($"{Path.Combine(adapterFolder, PeftAdapterConfig.FileName)}: task_type {task} cannot be merged (CAUSAL_LM or SEQ_CLS)"),
        };
        int projections = LoraModel.Adapted(model).Count;
        var options = LoraModel.OptionsOf(model)!;
        LoraModel.Merge(model);
        ModelPrecision.Cast(model, ModelCheckpoint.SavedDtype(baseFolder));
        ModelCheckpoint.Save(model, ((ILanguageModel)model).Config, tokenizer, outFolder);
        Console.WriteLine($"merged {projections} LoRA projections (r {options.Rank}, alpha {options.Alpha}, {task}) into {outFolder}");
        return 0;
    }
}
