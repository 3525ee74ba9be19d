// Options more than one command takes.
import { Option } from "commander";

export const builderOption = (description = "image builder") =>
  new Option("--builder <builder>", description).choices(["buildkit", "classic"]).default("buildkit");
