namespace RlhfPlatform.Modeling.Lora;

/// <summary>What a model tells LoRA about itself: its PEFT task type and the modules that train fully beside the adapters.</summary>
public interface IAdaptableModel
{
    /// <summary>PEFT's task_type: "CAUSAL_LM", "SEQ_CLS".</summary>
    string PeftTaskType { get; }

    /// <summary>Module names (PEFT's modules_to_save) whose parameters train fully under LoRA: a reward model's freshly initialised "score" head.</summary>
    IReadOnlyList<string> FullyTrainedUnderLora { get; }
}
