// Each test class starts its own cluster, and so its own compute thread, in this one process; model
// initialisation and dropout draw from libtorch's one process-wide CPU generator, so classes running in
// parallel would interleave their draws and break the same-spec-same-metrics tests.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
