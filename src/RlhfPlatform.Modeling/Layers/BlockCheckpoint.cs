using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Layers;

/// <summary>
/// Gradient checkpointing of one block: the forward runs without recording, keeping only the block's
/// input (and the constants it reads), and the backward recomputes the block with autograd on and
/// back-propagates through the recomputed graph.
/// </summary>
/// <remarks>
/// Reentrant: the recomputed graph's backward (a nested engine call, which libtorch supports from
/// inside a backward) accumulates the block's parameter gradients straight into their .grad, as an
/// uncheckpointed block would, and only the input's gradient is returned to the outer graph.
/// torch.autograd.grad over the parameters would instead return each gradient through a managed
/// tensor that the engine copies and that lives on until its scope ends, doubling gradient memory.
/// The trainable parameters are still passed as inputs so the node joins the graph when its input
/// needs no gradient (a frozen embedding under LoRA); their returned gradients are undefined.
/// The CPU random state at the forward is restored around the recomputation so dropout draws the
/// same masks; the state after the recomputation is put back so later draws are not shifted.
/// </remarks>
public sealed class BlockCheckpoint : autograd.SingleTensorFunction<BlockCheckpoint>
{
    /// <summary>The block as a function of its input and the constant tensors it reads (saved with the input, never differentiated).</summary>
    public delegate Tensor Block(Tensor input, IReadOnlyList<Tensor> constants);

    // The engine copies a returned gradient after backward returns, so the managed wrapper of block i's input
    // gradient can be released only later: by the next checkpointed backward on this thread (block i-1's).
    [ThreadStatic] static Tensor? handedOff;

    public override string Name => nameof(BlockCheckpoint);

    public static Tensor Run(DecoderBlock block, Tensor x, Tensor cos, Tensor sin, Tensor mask) =>
        Run((input, c) => block.Forward(input, c[0], c[1], c[2], null), x, [cos, sin, mask], block.parameters());

    /// <summary>block(x) with only x and the constants kept for backward; parameters are the ones the block trains.</summary>
    public static Tensor Run(Block block, Tensor x, IReadOnlyList<Tensor> constants, IEnumerable<Parameter> parameters)
    {
        var trainable = parameters.Where(p => p.requires_grad).Cast<Tensor>();
        return apply([block, constants.Count, x, .. constants, .. trainable]);
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var block = (Block)vars[0];
        int constantCount = (int)vars[1];
        var x = (Tensor)vars[2];
        var constants = vars.Skip(3).Take(constantCount).Cast<Tensor>().ToArray();
        ctx.save_for_backward([x, torch.random.get_rng_state(), .. constants]);
        ctx.save_data("block", block);
        ctx.save_data("arguments", vars.Length);
        ctx.save_data("inputNeedsGradient", x.requires_grad);
        // TorchSharp's zeros for an undefined output gradient would come from a tensor its dispose scope has freed.
        ctx.set_materialize_grads(false);
        return block(x, constants);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        ReleaseHandedOff();
        var block = (Block)ctx.get_data("block");
        int arguments = (int)ctx.get_data("arguments");
        bool needsInputGradient = (bool)ctx.get_data("inputNeedsGradient");
        var saved = ctx.get_saved_variables();
        if (grad_output.IsInvalid)
        {
            foreach (var t in saved) t.Dispose();
            return [.. Enumerable.Repeat<Tensor>(null!, arguments)];
        }
        Tensor? inputGradient;
        using (var scope = NewDisposeScope())
        {
            var rngNow = torch.random.get_rng_state();
            torch.random.set_rng_state(saved[1]);
            var input = saved[0].detach().requires_grad_(needsInputGradient);
            using (enable_grad())
            {
                var output = block(input, saved.Skip(2).ToArray());
                autograd.backward([output], [grad_output]);
            }
            torch.random.set_rng_state(rngNow);
            inputGradient = needsInputGradient ? input.grad!.MoveToOuterDisposeScope() : null;
            foreach (var t in saved) t.Dispose();
            grad_output.Dispose();
        }
        handedOff = inputGradient;
        // One entry per forward argument: block, constant count, x, then the constants and parameters (undefined).
        var gradients = new List<Tensor>(arguments) { null!, null!, inputGradient! };
        for (int i = 3; i < arguments; i++) gradients.Add(null!);
        return gradients;
    }

    static void ReleaseHandedOff()
    {
        handedOff?.Dispose();
        handedOff = null;
    }
}
