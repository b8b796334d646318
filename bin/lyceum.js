#!/usr/bin/env node
import process from 'node:process';
import { main } from '../dist/bundle/main.js';

process.exitCode = await main();
